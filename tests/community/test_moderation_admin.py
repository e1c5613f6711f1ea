"""The moderation queue and its records in /admin/, through the admin's own views.

Held items are made the way members make them: a community bans a word, a member posts an
idea (or a comment) containing it, and the automatic check (run eagerly on commit) holds
it. Moderators then work the queue with the changelist's bulk actions: the action first
renders an intermediate form (reason template, message), then `apply=1` decides every
selected item, writes the audit log and tells each author by e-mail.

Personas as in test_admin_scoping.py: the operator (superuser); community A's admin,
moderator and brand manager; community B's moderator; a plain member of A (not staff).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community.models import Flag, Membership, ModerationDecision, ModerationItem, ReasonTemplate, Sanction
from community.models.moderation import ItemState, Outcome
from community.moderation.services import rule_for
from ideas.models import Comment, Idea, ModerationState, StatusChange
from ideas.services import comment_create
from tests.factories import UserFactory, login_with_mfa, make_idea

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

PERSONAS = ("superuser", "admin_a", "moderator_a", "brand_manager_a", "moderator_b", "member_a")
# Who decides community A's items: its moderators, its community admin and the operator.
DECIDERS_OF_A = {"superuser", "admin_a", "moderator_a"}
# Who sees community A's moderation records: the same people (PRODUCT.md §1 gives the
# queue to moderators; a brand manager does not see it).
VIEWERS_OF_A = {"superuser", "admin_a", "moderator_a"}
BANNED = "arnaque"

QUEUE = "admin:community_moderationitem_changelist"


@pytest.fixture(autouse=True)
def _no_external_spam_checker(settings) -> None:
    settings.MODERATION_SPAM_CHECK_URL = ""


@pytest.fixture
def people(request, superuser, admin_a, moderator_a, brand_manager_a, moderator_b, member_a):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


@pytest.fixture
def hold(django_capture_on_commit_callbacks):
    """Post an idea (or a comment on `on`) that the automatic check holds for a human."""

    def post(community, author, title: str, *, on: Idea | None = None) -> ModerationItem:
        rule = rule_for(community)
        if BANNED not in rule.banned_list():
            rule.banned_words = BANNED
            rule.save()
        with django_capture_on_commit_callbacks(execute=True):
            if on is None:
                content = make_idea(community, author, title=title, body=f"{title} : une ARNAQUE, à vérifier.")
            else:
                content = comment_create(idea=on, author=author, body=f"{title} : c’est une arnaque.")
        item = ModerationItem.objects.get(**{ModerationItem.Kind.IDEA if on is None else "comment": content})
        assert item.state == ItemState.HELD, item.reasons
        assert item.reason_codes() == ["banned_words"]
        return item

    return post


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Post a clean idea that the automatic check approves."""

    def post(community, author, title: str) -> Idea:
        with django_capture_on_commit_callbacks(execute=True):
            idea = make_idea(community, author, title=title, body="Rien à redire.")
        assert ModerationItem.objects.get(idea=idea).state == ItemState.APPROVED
        return idea

    return post


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def delete_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_delete", args=[obj.pk])


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def add_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def listed(client, url: str, **params) -> set[int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return {row.pk for row in response.context["cl"].result_list}


def action_post(client, action: str, items, **data):
    return client.post(reverse(QUEUE), {"action": action, ACTION_CHECKBOX_NAME: [item.pk for item in items], **data})


def refreshed(item: ModerationItem) -> ModerationItem:
    item.refresh_from_db()
    return item


# --- The queue and its filters --------------------------------------------------------------


@pytest.fixture
def queue(community_a, community_b, member_a, member_b, hold, publish):
    """Held items in A (an idea, a comment) and B (an idea), and an approved item in A."""
    public = publish(community_a, member_a, "Des trains à l’heure")
    return {
        "a_idea": hold(community_a, member_a, "Des prises dans les trains"),
        "a_comment": hold(community_a, UserFactory(username="zoe"), "Remarque", on=public),
        "b_idea": hold(community_b, member_b, "Des fenêtres qui s’ouvrent"),
        "a_approved": ModerationItem.objects.get(idea=public),
    }


def test_the_queue_shows_waiting_items_by_default(client, superuser, queue):
    login_with_mfa(client, superuser)
    pending = queue["a_approved"]
    ModerationItem.objects.filter(pk=pending.pk).update(state=ItemState.PENDING)  # unchecked yet: waiting too
    shown = listed(client, reverse(QUEUE))
    assert shown == {queue["a_idea"].pk, queue["a_comment"].pk, queue["b_idea"].pk, pending.pk}
    ModerationItem.objects.filter(pk=pending.pk).update(state=ItemState.APPROVED)
    assert pending.pk not in listed(client, reverse(QUEUE))


def test_the_state_filter_narrows_and_offers_all(client, superuser, queue):
    login_with_mfa(client, superuser)
    everything = {item.pk for item in queue.values()}
    assert listed(client, reverse(QUEUE), state="all") == everything
    assert listed(client, reverse(QUEUE), state="approved") == {queue["a_approved"].pk}
    assert listed(client, reverse(QUEUE), state="held") == everything - {queue["a_approved"].pk}
    assert listed(client, reverse(QUEUE), state="rejected") == set()


def test_the_community_filter_narrows(client, superuser, community_a, community_b, queue):
    login_with_mfa(client, superuser)
    assert listed(client, reverse(QUEUE), community__id__exact=community_a.pk) == {
        queue["a_idea"].pk,
        queue["a_comment"].pk,
    }
    assert listed(client, reverse(QUEUE), community__id__exact=community_b.pk) == {queue["b_idea"].pk}


def test_the_kind_filter_narrows(client, superuser, queue):
    login_with_mfa(client, superuser)
    assert listed(client, reverse(QUEUE), kind__exact="comment") == {queue["a_comment"].pk}
    assert listed(client, reverse(QUEUE), kind__exact="idea") == {queue["a_idea"].pk, queue["b_idea"].pk}


@pytest.mark.parametrize(
    ("reasons", "matches"),
    [
        ("spam", {"spam"}),
        ("spam links", {"spam", "links"}),
        ("links spam", {"spam", "links"}),
        ("banned_words spam new_member", {"banned_words", "spam", "new_member"}),
        ("spam_check_unavailable", {"spam_check_unavailable"}),
        ("new_member spam_check_unavailable rate", {"new_member", "spam_check_unavailable", "rate"}),
    ],
)
def test_the_reason_filter_matches_whole_codes(client, superuser, queue, reasons, matches):
    item = queue["a_idea"]
    ModerationItem.objects.filter(pk=item.pk).update(reasons=reasons)
    login_with_mfa(client, superuser)
    for code in ("spam", "spam_check_unavailable", "links", "new_member", "banned_words", "rate", "flags"):
        assert (item.pk in listed(client, reverse(QUEUE), reason=code)) is (code in matches), code


def test_the_age_filter_narrows(client, superuser, queue):
    now = timezone.now()
    ModerationItem.objects.filter(pk=queue["a_idea"].pk).update(created_at=now - timedelta(minutes=10))
    ModerationItem.objects.filter(pk=queue["a_comment"].pk).update(created_at=now - timedelta(hours=5))
    ModerationItem.objects.filter(pk=queue["b_idea"].pk).update(created_at=now - timedelta(days=3))
    login_with_mfa(client, superuser)
    assert listed(client, reverse(QUEUE), age="1h") == {queue["a_idea"].pk}
    assert listed(client, reverse(QUEUE), age="24h") == {queue["a_idea"].pk, queue["a_comment"].pk}
    assert listed(client, reverse(QUEUE), age="older") == {queue["b_idea"].pk}


def test_an_items_page_shows_the_preview_and_the_authors_history(client, moderator_a, queue):
    login_with_mfa(client, moderator_a)
    response = client.get(change_url(queue["a_idea"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<div class="moderation-preview">' in page
    assert "Des prises dans les trains" in page
    assert re.search(r"Member-A", page)  # the author's history names them


# --- Bulk actions ---------------------------------------------------------------------------

ACTIONS = {
    # action: (content state, item state, outcome, trusted)
    "approve": (ModerationState.APPROVED, ItemState.APPROVED, Outcome.APPROVE, False),
    "approve_and_trust": (ModerationState.APPROVED, ItemState.APPROVED, Outcome.APPROVE, True),
    "reject": (ModerationState.REJECTED, ItemState.REJECTED, Outcome.REJECT, False),
    "hide": (ModerationState.HIDDEN, ItemState.HIDDEN, Outcome.HIDE, False),
}


@pytest.fixture
def two_held(community_a, member_a, hold):
    other = UserFactory(username="yves", display_name="Yves")
    return [
        hold(community_a, member_a, "Des prises dans les trains"),
        hold(community_a, other, "Des sièges plus larges"),
    ]


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_first_asks_for_the_reason_and_the_message(client, moderator_a, community_a, two_held, action):
    ReasonTemplate.objects.create(community=community_a, label="Hors charte", message="Merci de relire la charte.")
    login_with_mfa(client, moderator_a)
    response = action_post(client, action, two_held)
    assert response.status_code == 200
    assert "admin/community/decision_form.html" in [template.name for template in response.templates]
    page = response.content.decode()
    assert re.search(r'<select name="template"[^>]*>', page)
    assert "Hors charte" in page
    assert re.search(r'<textarea name="message"', page)
    for item in two_held:
        assert f'name="{ACTION_CHECKBOX_NAME}" value="{item.pk}"' in page
    assert f'name="action" value="{action}"' in page
    # Nothing is decided yet.
    assert all(refreshed(item).state == ItemState.HELD for item in two_held)
    assert not ModerationDecision.objects.filter(automatic=False).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_decides_every_selected_item(
    client, moderator_a, community_a, two_held, hold, django_capture_on_commit_callbacks, action
):
    content_state, item_state, outcome, trusted = ACTIONS[action]
    untouched = hold(community_a, UserFactory(username="xavier"), "Un wagon silencieux")
    login_with_mfa(client, moderator_a)
    message = "Merci pour votre idée, voici notre décision."
    with django_capture_on_commit_callbacks(execute=True):
        response = action_post(client, action, two_held, apply="1", template="", message=message)
    assert response.status_code == 302
    for item in two_held:
        item = refreshed(item)
        assert item.state == item_state
        assert item.decided_at is not None
        content = Idea.objects.get(pk=item.idea_id)
        assert content.moderation_state == content_state
        assert content.stats.is_listed is (content_state == ModerationState.APPROVED)
        decision = ModerationDecision.objects.get(item=item, automatic=False)
        assert decision.outcome == outcome
        assert decision.decided_by == moderator_a
        assert decision.message == message
        assert decision.trusted is trusted
        assert decision.reasons == "banned_words"
        membership = Membership.objects.get(community=community_a, user=item.author)
        assert (membership.trusted_at is not None) is trusted
    # The item nobody selected still waits.
    assert refreshed(untouched).state == ItemState.HELD
    assert not ModerationDecision.objects.filter(item=untouched, automatic=False).exists()
    # Each author is told, with the moderator's message.
    assert sorted(address for sent in mail.outbox for address in sent.to) == sorted(
        item.author.email for item in two_held
    )
    for sent in mail.outbox:
        assert message in sent.body
        assert "[Brand A]" in sent.subject


def test_the_chosen_reason_templates_message_is_sent(
    client, moderator_a, community_a, member_a, hold, django_capture_on_commit_callbacks
):
    item = hold(community_a, member_a, "Des prises dans les trains")
    template = ReasonTemplate.objects.create(
        community=community_a, label="Hors charte", message="Votre idée ne respecte pas la charte."
    )
    login_with_mfa(client, moderator_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = action_post(client, "reject", [item], apply="1", template=template.pk, message="")
    assert response.status_code == 302
    decision = ModerationDecision.objects.get(item=item, automatic=False)
    assert decision.message == template.message
    (sent,) = mail.outbox
    assert sent.to == [member_a.email]
    assert template.message in sent.body


def test_a_typed_message_wins_over_the_template(
    client, moderator_a, community_a, member_a, hold, django_capture_on_commit_callbacks
):
    item = hold(community_a, member_a, "Des prises dans les trains")
    template = ReasonTemplate.objects.create(community=community_a, label="Hors charte", message="Message type.")
    login_with_mfa(client, moderator_a)
    with django_capture_on_commit_callbacks(execute=True):
        action_post(client, "reject", [item], apply="1", template=template.pk, message="Un mot à vous.")
    assert ModerationDecision.objects.get(item=item, automatic=False).message == "Un mot à vous."
    (sent,) = mail.outbox
    assert "Un mot à vous." in sent.body
    assert "Message type." not in sent.body


def test_another_communitys_reason_template_cannot_be_picked(
    client, moderator_a, community_a, community_b, member_a, hold
):
    item = hold(community_a, member_a, "Des prises dans les trains")
    foreign = ReasonTemplate.objects.create(community=community_b, label="De B", message="Message de B.")
    login_with_mfa(client, moderator_a)
    response = action_post(client, "reject", [item], apply="1", template=foreign.pk, message="")
    assert response.status_code == 200  # the form comes back with an error
    assert "template" in response.context["form"].errors
    assert refreshed(item).state == ItemState.HELD


def test_approve_and_trust_lifts_the_new_member_hold(
    client, moderator_a, community_a, member_a, django_capture_on_commit_callbacks
):
    rule = rule_for(community_a)
    rule.new_member_hold_count = 2
    rule.save()
    with django_capture_on_commit_callbacks(execute=True):
        first = make_idea(community_a, member_a, title="Ma première idée", body="Bonjour à tous.")
    item = ModerationItem.objects.get(idea=first)
    assert item.state == ItemState.HELD
    assert item.reason_codes() == ["new_member"]
    login_with_mfa(client, moderator_a)
    with django_capture_on_commit_callbacks(execute=True):
        action_post(client, "approve_and_trust", [item], apply="1", message="Bienvenue !")
    with django_capture_on_commit_callbacks(execute=True):
        second = make_idea(community_a, member_a, title="Ma deuxième idée", body="Encore une.")
    assert ModerationItem.objects.get(idea=second).state == ItemState.APPROVED


# --- Who sees and decides what ----------------------------------------------------------------


@pytest.fixture
def item_a(community_a, member_a, hold):
    return hold(community_a, member_a, "Des prises dans les trains")


@pytest.fixture
def item_b(community_b, member_b, hold):
    return hold(community_b, member_b, "Des fenêtres qui s’ouvrent")


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_community_as_item_in_the_queue(client, people, item_a, item_b, persona):
    login_with_mfa(client, people[persona])
    response = client.get(reverse(QUEUE))
    if persona == "member_a":
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
        return
    if persona == "brand_manager_a":
        assert response.status_code == 403  # staff, but the queue is the moderators'
        return
    assert response.status_code == 200
    shown = {row.pk for row in response.context["cl"].result_list}
    assert (item_a.pk in shown) is (persona in VIEWERS_OF_A)
    assert (item_b.pk in shown) is (persona in {"superuser", "moderator_b"})


@pytest.mark.parametrize(
    ("persona", "expected_status"),
    [
        ("superuser", 200),
        ("admin_a", 200),
        ("moderator_a", 200),
        ("brand_manager_a", 403),  # no moderation role in A: the queue is not theirs
        ("moderator_b", 302),  # not in their queryset: "does not exist", back to the index
        ("member_a", 302),  # not staff: to the admin sign-in
    ],
)
def test_opening_community_as_item(client, people, item_a, persona, expected_status):
    login_with_mfa(client, people[persona])
    response = client.get(change_url(item_a))
    assert response.status_code == expected_status
    if persona == "member_a":
        assert reverse("admin:login") in response["Location"]
    if expected_status == 200:
        assert "Des prises dans les trains" in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_deciding_community_as_item_by_a_crafted_post(
    client, people, item_a, member_a, django_capture_on_commit_callbacks, persona
):
    login_with_mfa(client, people[persona])
    with django_capture_on_commit_callbacks(execute=True):
        response = action_post(client, "reject", [item_a], apply="1", message="Non.")
    assert response.status_code in (200, 302, 403)
    may_decide = persona in DECIDERS_OF_A
    assert (refreshed(item_a).state == ItemState.REJECTED) is may_decide
    assert Idea.objects.get(pk=item_a.idea_id).moderation_state == (
        ModerationState.REJECTED if may_decide else ModerationState.PENDING
    )
    decisions = ModerationDecision.objects.filter(item=item_a, automatic=False)
    assert list(decisions.values_list("decided_by", flat=True)) == ([people[persona].pk] if may_decide else [])
    assert [sent.to for sent in mail.outbox] == ([[member_a.email]] if may_decide else [])


def test_a_moderator_of_b_decides_only_their_own_items_in_a_mixed_post(
    client, moderator_b, item_a, item_b, django_capture_on_commit_callbacks
):
    login_with_mfa(client, moderator_b)
    with django_capture_on_commit_callbacks(execute=True):
        action_post(client, "approve", [item_a, item_b], apply="1", message="")
    assert refreshed(item_a).state == ItemState.HELD
    assert refreshed(item_b).state == ItemState.APPROVED


@pytest.fixture
def records(community_a, community_b, item_a, item_b, member_a, member_b, superuser):
    """A decision, a flag and a sanction in each community."""
    return {
        "decision_a": ModerationDecision.objects.get(item=item_a),
        "decision_b": ModerationDecision.objects.get(item=item_b),
        "flag_a": Flag.objects.create(
            community=community_a, flagger=UserFactory(), idea=item_a.idea, reason=Flag.Reason.SPAM
        ),
        "flag_b": Flag.objects.create(
            community=community_b, flagger=UserFactory(), idea=item_b.idea, reason=Flag.Reason.SPAM
        ),
        "sanction_a": Sanction.objects.create(
            community=community_a, user=member_a, kind=Sanction.Kind.BAN, reason="Spam.", created_by=superuser
        ),
        "sanction_b": Sanction.objects.create(
            community=community_b, user=member_b, kind=Sanction.Kind.BAN, reason="Spam.", created_by=superuser
        ),
    }


@pytest.mark.parametrize("model", [ModerationDecision, Flag, Sanction], ids=lambda model: model.__name__)
@pytest.mark.parametrize("persona", PERSONAS)
def test_decision_log_flags_and_sanctions_lists_are_scoped(client, people, records, model, persona):
    key = model.__name__.lower().replace("moderation", "")
    login_with_mfa(client, people[persona])
    response = client.get(changelist_url(model))
    if persona == "member_a":
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
        return
    if persona == "brand_manager_a":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    shown = {row.pk for row in response.context["cl"].result_list}
    assert (records[f"{key}_a"].pk in shown) is (persona in VIEWERS_OF_A)
    assert (records[f"{key}_b"].pk in shown) is (persona in {"superuser", "moderator_b"})


@pytest.mark.parametrize(
    ("persona", "expected_status"),
    [
        ("superuser", 200),
        ("moderator_a", 200),
        ("brand_manager_a", 403),
        ("moderator_b", 302),
        ("member_a", 302),
    ],
)
@pytest.mark.parametrize("key", ["decision_a", "flag_a", "sanction_a"])
def test_opening_community_as_records(client, people, records, key, persona, expected_status):
    login_with_mfa(client, people[persona])
    assert client.get(change_url(records[key])).status_code == expected_status


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_decision_log_and_flags_are_read_only(client, people, records, persona):
    decision, flag = records["decision_a"], records["flag_a"]
    login_with_mfa(client, people[persona])
    response = client.post(change_url(decision), {"outcome": "approve", "reasons": "", "message": "forged"})
    assert response.status_code in (302, 403)
    response = client.post(change_url(flag), {"reason": "other", "weight": "9", "upheld": "true"})
    assert response.status_code in (302, 403)
    for model in (ModerationDecision, Flag):
        assert client.get(add_url(model)).status_code in (302, 403)
    decision.refresh_from_db()
    flag.refresh_from_db()
    assert (decision.outcome, decision.message) == (Outcome.HOLD, "")
    assert (flag.reason, flag.weight, flag.upheld) == (Flag.Reason.SPAM, 1.0, None)
    if persona in VIEWERS_OF_A:  # what they can open, they only read
        page = client.get(change_url(decision)).content.decode()
        assert 'name="_save"' not in page
        assert 'name="message"' not in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_nobody_deletes_a_decision(client, people, records, persona):
    decision = records["decision_a"]
    login_with_mfa(client, people[persona])
    response = client.post(delete_url(decision), {"post": "yes"})
    assert response.status_code in (302, 403)
    # Nor through the changelist's bulk delete.
    client.post(
        changelist_url(ModerationDecision),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [decision.pk], "post": "yes"},
    )
    assert ModerationDecision.objects.filter(pk=decision.pk).exists()
    if persona not in ("member_a", "brand_manager_a"):
        action_form = client.get(changelist_url(ModerationDecision)).context["action_form"]
        assert action_form is None or "delete_selected" not in dict(action_form.fields["action"].choices)


@pytest.mark.parametrize("persona", ["superuser", "moderator_a"])
def test_nobody_deletes_a_queue_item(client, people, item_a, persona):
    login_with_mfa(client, people[persona])
    assert client.post(delete_url(item_a), {"post": "yes"}).status_code == 403
    assert client.get(add_url(ModerationItem)).status_code == 403
    assert ModerationItem.objects.filter(pk=item_a.pk).exists()


# --- Sanctions ------------------------------------------------------------------------------


def sanction_data(community, username: str, **changes) -> dict:
    until = timezone.localtime(timezone.now() + timedelta(days=7))
    return {
        "community": community.pk,
        "user": username,
        "kind": Sanction.Kind.SUSPENSION,
        "until_0": until.strftime("%Y-%m-%d"),
        "until_1": until.strftime("%H:%M:%S"),
        "reason": "Messages publicitaires répétés.",
        **changes,
    }


def test_a_moderator_suspends_a_member_by_username(client, moderator_a, member_a, community_a):
    login_with_mfa(client, moderator_a)
    response = client.post(add_url(Sanction), sanction_data(community_a, "member-a"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    sanction = Sanction.objects.get()
    assert (sanction.community, sanction.user, sanction.kind) == (community_a, member_a, Sanction.Kind.SUSPENSION)
    assert sanction.created_by == moderator_a
    assert sanction.until > timezone.now() + timedelta(days=6)
    assert sanction.lifted_at is None


def test_a_moderator_cannot_sanction_in_another_community(client, moderator_a, member_b, community_b):
    login_with_mfa(client, moderator_a)
    response = client.post(add_url(Sanction), sanction_data(community_b, "member-b"))
    assert response.status_code == 200  # the form comes back with an error on "community"
    assert "community" in response.context["adminform"].form.errors
    assert not Sanction.objects.exists()


def test_a_suspension_needs_an_end_and_an_unknown_username_is_named(client, moderator_a, member_a, community_a):
    login_with_mfa(client, moderator_a)
    response = client.post(add_url(Sanction), sanction_data(community_a, "member-a", until_0="", until_1=""))
    assert response.status_code == 200
    assert "until" in response.context["adminform"].form.errors
    response = client.post(add_url(Sanction), sanction_data(community_a, "ghost"))
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert 'value="ghost"' in response.content.decode()
    assert not Sanction.objects.exists()


@pytest.mark.parametrize(
    ("persona", "may_add"),
    [(persona, persona in DECIDERS_OF_A) for persona in PERSONAS],
)
def test_who_sanctions_in_community_a(client, people, community_a, persona, may_add):
    UserFactory(username="troll")
    login_with_mfa(client, people[persona])
    client.post(add_url(Sanction), sanction_data(community_a, "troll"))
    assert Sanction.objects.filter(community=community_a, user__username="troll").exists() is may_add


def test_the_lift_action_sets_lifted_at(client, moderator_a, records):
    sanction = records["sanction_a"]
    login_with_mfa(client, moderator_a)
    response = client.post(changelist_url(Sanction), {"action": "lift", ACTION_CHECKBOX_NAME: [sanction.pk]})
    assert response.status_code == 302
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None
    assert timezone.now() - sanction.lifted_at < timedelta(minutes=1)
    # Lifted, never erased; the member may post again.
    assert client.post(delete_url(sanction), {"post": "yes"}).status_code == 403
    assert Sanction.objects.filter(pk=sanction.pk).exists()


@pytest.mark.parametrize(
    ("persona", "may_lift"),
    [
        ("superuser", True),
        ("admin_a", True),
        ("moderator_a", True),
        pytest.param("brand_manager_a", False),
        ("moderator_b", False),
        ("member_a", False),
    ],
)
def test_who_lifts_a_sanction_of_community_a(client, people, records, persona, may_lift):
    sanction = records["sanction_a"]
    login_with_mfa(client, people[persona])
    client.post(changelist_url(Sanction), {"action": "lift", ACTION_CHECKBOX_NAME: [sanction.pk]})
    sanction.refresh_from_db()
    assert (sanction.lifted_at is not None) is may_lift


# --- The admin index -------------------------------------------------------------------------


def waiting_banner(response) -> str | None:
    match = re.search(r'<p class="moderation-waiting"[^>]*>\s*<a href="([^"]*)">([^<]*)</a>', response.content.decode())
    if match is None:
        return None
    assert match.group(1) == reverse("admin:community_moderationitem_review")  # the review queue
    return match.group(2)


@pytest.mark.parametrize(
    ("persona", "count"),
    [
        ("superuser", 3),
        ("admin_a", 2),
        ("moderator_a", 2),
        ("moderator_b", 1),
        ("brand_manager_a", None),  # staff, but no moderation role: no banner
    ],
)
def test_the_admin_index_shows_how_many_items_wait(
    client, people, community_a, community_b, member_a, member_b, hold, publish, persona, count
):
    hold(community_a, member_a, "Des prises dans les trains")
    hold(community_a, member_a, "Des sièges plus larges")
    hold(community_b, member_b, "Des fenêtres qui s’ouvrent")
    publish(community_a, member_a, "Des trains à l’heure")  # decided: not waiting
    login_with_mfa(client, people[persona])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    banner = waiting_banner(response)
    if count is None:
        assert banner is None
        assert "moderation-waiting" not in response.content.decode()
    else:
        assert banner is not None
        assert re.search(rf"(?<!\d){count}(?!\d)", banner), banner
        assert re.search(r"attente|waiting", banner, re.IGNORECASE), banner


def test_the_index_count_follows_decisions(client, moderator_a, community_a, member_a, hold):
    first = hold(community_a, member_a, "Des prises dans les trains")
    hold(community_a, member_a, "Des sièges plus larges")
    login_with_mfa(client, moderator_a)
    assert re.search(r"(?<!\d)2(?!\d)", waiting_banner(client.get(reverse("admin:index"))))
    action_post(client, "approve", [first], apply="1", message="")
    assert re.search(r"(?<!\d)1(?!\d)", waiting_banner(client.get(reverse("admin:index"))))


# --- Ideas admin ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["superuser", "moderator_a"])
def test_ideas_cannot_be_added_in_admin(client, people, persona):
    login_with_mfa(client, people[persona])
    assert client.get(add_url(Idea)).status_code == 403
    assert client.post(add_url(Idea), {"title": "Par l’admin", "body": "x"}).status_code == 403
    assert not Idea.objects.filter(title="Par l’admin").exists()


def idea_data(idea, **changes) -> dict:
    return {
        "title": idea.title,
        "body": idea.body,
        "category": "",
        "tags": "",
        "status": idea.status_id,
        "status_reason": "",
        **changes,
    }


def test_declining_an_idea_needs_a_public_reason(client, moderator_a, community_a, idea_a):
    declined = community_a.statuses.get(slug="declined")
    login_with_mfa(client, moderator_a)
    response = client.post(change_url(idea_a), idea_data(idea_a, status=declined.pk))
    assert response.status_code == 200
    assert "status_reason" in response.context["adminform"].form.errors
    idea_a.refresh_from_db()
    assert idea_a.status.slug == "new"
    assert not StatusChange.objects.filter(idea=idea_a).exists()


def test_declining_an_idea_with_a_reason_records_it(client, moderator_a, community_a, idea_a):
    declined = community_a.statuses.get(slug="declined")
    login_with_mfa(client, moderator_a)
    reason = "Le matériel roulant ne le permet pas."
    response = client.post(change_url(idea_a), idea_data(idea_a, status=declined.pk, status_reason=reason))
    assert response.status_code == 302
    idea_a.refresh_from_db()
    assert idea_a.status == declined
    change = StatusChange.objects.get(idea=idea_a)
    assert (change.from_status.slug, change.to_status, change.reason) == ("new", declined, reason)
    assert change.changed_by == moderator_a


# --- The queue in French ----------------------------------------------------------------------


def test_the_queue_names_a_comment_item_as_a_noun_in_french(client, moderator_a, queue):
    login_with_mfa(client, moderator_a)
    page = client.get(reverse(QUEUE)).content.decode()
    assert "Idée" in page  # the queue is in French
    assert re.search(r"<td class=\"field-kind\">Commentaire</td>", page), re.findall(r'field-kind">[^<]*', page)
    assert "Commenter" not in page


def test_the_queues_community_column_is_in_french(client, moderator_a, queue):
    login_with_mfa(client, moderator_a)
    page = client.get(reverse(QUEUE)).content.decode()
    header = re.search(r'<th scope="col" class="[^"]*column-community[^"]*">.*?<a [^>]*>([^<]+)</a>', page, re.S)
    assert header is not None
    assert re.search(r'class="[^"]*column-reason_labels[^"]*">.*?Motifs', page, re.S)  # its neighbours are
    assert header.group(1).strip() == "Communauté"


# --- The item page: read, then decide with a button ------------------------------------------


def decide(client, item, decision: str, **data):
    return client.post(change_url(item), {"decision": decision, "template": "", "message": "", **data})


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def test_a_comments_page_shows_its_idea_its_parent_the_reasons_and_the_authors_record(
    client, moderator_a, community_a, member_a, hold, publish, django_capture_on_commit_callbacks
):
    idea = publish(community_a, member_a, "Du Wi-Fi dans le train")
    parent = comment_create(idea=idea, author=member_a, body="Le réseau coupe à chaque tunnel.")
    camille = UserFactory(username="camille", display_name="Camille")
    earlier = hold(community_a, camille, "Première remarque", on=idea)
    login_with_mfa(client, moderator_a)
    decide(client, earlier, "hide", message="Restez courtois.")
    with django_capture_on_commit_callbacks(execute=True):
        with_reply = comment_create(idea=idea, author=camille, body="Une arnaque, ce Wi-Fi.", parent=parent)
    item = ModerationItem.objects.get(comment=with_reply)
    Sanction.objects.create(
        community=community_a,
        user=camille,
        kind=Sanction.Kind.SUSPENSION,
        reason="Insultes répétées.",
        until=timezone.now() + timedelta(days=3),
        created_by=moderator_a,
    )
    Flag.objects.create(community=community_a, flagger=member_a, idea=idea, comment=with_reply, reason="offensive")

    response = client.get(change_url(item))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Commentaire de Camille sur « Du Wi-Fi dans le train »" in page
    assert '<div class="moderation-preview"><p>Une arnaque, ce Wi-Fi.</p></div>' in page
    assert f'href="{reverse("admin:ideas_idea_change", args=[idea.pk])}">« Du Wi-Fi dans le train »</a>' in page
    assert "://ideas.brand-a.test/" in page  # the idea on its community's site
    assert "Le réseau coupe à chaque tunnel." in page  # the parent it answers
    assert "Mots interdits" in page and "banned_words" not in page  # reasons in words
    assert "Signalé par Member-A : Offensant ou injurieux" in page
    assert "Insultes répétées." in page  # the sanction in force
    assert "Masqué : Commentaire de Camille" in page  # the earlier decision, in words
    assert "<dt>Contenus masqués</dt><dd>1</dd>" in page
    for decision in ("approve", "approve_and_trust", "reject", "hide"):
        assert f'name="decision" value="{decision}"' in page
    assert "csrfmiddlewaretoken" in page


@pytest.mark.parametrize(
    ("decision", "item_state", "trusted"),
    [
        ("approve", ItemState.APPROVED, False),
        ("approve_and_trust", ItemState.APPROVED, True),
        ("reject", ItemState.REJECTED, False),
        ("hide", ItemState.HIDDEN, False),
    ],
)
def test_a_decision_from_the_items_page_leads_to_the_next_waiting_item_of_the_community(
    client,
    moderator_a,
    admin_a,
    community_a,
    community_b,
    member_a,
    member_b,
    hold,
    decision,
    item_state,
    trusted,
    django_capture_on_commit_callbacks,
):
    first = hold(community_a, member_a, "Des prises dans les trains")
    hold(community_b, member_b, "Des fenêtres qui s’ouvrent")  # another community's: never next for A
    second = hold(community_a, UserFactory(username="yves"), "Des sièges plus larges")
    login_with_mfa(client, admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, first, decision, message="Merci, voici notre décision.")
    assert response.status_code == 302
    assert response["Location"] == change_url(second)
    first = refreshed(first)
    assert first.state == item_state
    recorded = ModerationDecision.objects.get(item=first, automatic=False)
    assert (recorded.decided_by, recorded.message, recorded.trusted) == (
        admin_a,
        "Merci, voici notre décision.",
        trusted,
    )
    assert [sent.to for sent in mail.outbox] == [[member_a.email]]
    assert "Des prises dans les trains" in messages_of(response)[0]
    assert "(r1)" not in messages_of(response)[0]


def test_the_last_decision_goes_back_to_the_queue_with_a_message(client, moderator_a, community_a, member_a, hold):
    item = hold(community_a, member_a, "Des prises dans les trains")
    login_with_mfa(client, moderator_a)
    response = decide(client, item, "approve")
    assert response.status_code == 302
    assert response["Location"] == reverse(QUEUE)
    assert "Plus rien n’attend dans Brand A." in messages_of(response)


def test_a_rejection_needs_a_reason_template_or_a_message(client, moderator_a, community_a, member_a, hold):
    item = hold(community_a, member_a, "Des prises dans les trains")
    template = ReasonTemplate.objects.create(community=community_a, label="Hors charte", message="Relisez la charte.")
    login_with_mfa(client, moderator_a)
    response = decide(client, item, "reject")
    assert response.status_code == 400
    assert "Dites pourquoi" in response.content.decode()
    assert refreshed(item).state == ItemState.HELD
    response = decide(client, item, "reject", template=template.pk)
    assert response.status_code == 302
    assert ModerationDecision.objects.get(item=item, automatic=False).message == "Relisez la charte."


def test_an_unknown_decision_or_a_foreign_template_is_a_clear_400(
    client, moderator_a, community_a, community_b, member_a, hold
):
    item = hold(community_a, member_a, "Des prises dans les trains")
    foreign = ReasonTemplate.objects.create(community=community_b, label="B", message="De B.")
    login_with_mfa(client, moderator_a)
    assert decide(client, item, "delete_everything").status_code == 400
    assert decide(client, item, "reject", template=foreign.pk).status_code == 400
    assert decide(client, item, "hide", template="abc").status_code == 400
    assert refreshed(item).state == ItemState.HELD


def test_a_stale_item_says_so_and_leads_to_the_latest_version(
    client, moderator_a, community_a, member_a, hold, django_capture_on_commit_callbacks
):
    from ideas.services import idea_update

    old = hold(community_a, member_a, "Des prises dans les trains")
    with django_capture_on_commit_callbacks(execute=True):
        idea_update(idea=old.idea, user=member_a, title="Des prises partout", body="Une arnaque, vraiment.")
    latest = ModerationItem.objects.get(idea=old.idea, revision=2)
    login_with_mfa(client, moderator_a)

    page = client.get(change_url(old))
    assert page.status_code == 200
    assert "a été modifié depuis" in page.content.decode()
    assert 'name="decision"' not in page.content.decode()

    response = decide(client, old, "approve")
    assert response.status_code == 302
    assert response["Location"] == change_url(latest)
    assert any("modifié" in message for message in messages_of(response))
    assert not ModerationDecision.objects.filter(item=old, automatic=False).exists()


@pytest.mark.parametrize(
    ("persona", "expected_status"),
    [
        ("superuser", 302),
        ("admin_a", 302),
        ("moderator_a", 302),
        ("brand_manager_a", 403),  # staff, but not a moderator of A
        ("moderator_b", 404),  # another community's item
        ("member_a", 302),  # to the admin sign-in
    ],
)
def test_who_decides_from_community_as_items_page(client, people, item_a, persona, expected_status):
    login_with_mfa(client, people[persona])
    response = decide(client, item_a, "hide", message="Masqué.")
    assert response.status_code == expected_status
    if persona == "member_a":
        assert reverse("admin:login") in response["Location"]
    decided = ModerationDecision.objects.filter(item=item_a, automatic=False).exists()
    assert decided is (persona in DECIDERS_OF_A)


def test_a_decision_without_the_csrf_token_is_refused(moderator_a, item_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    login_with_mfa(client, moderator_a)
    response = decide(client, item_a, "approve")
    assert response.status_code == 403
    assert refreshed(item_a).state == ItemState.HELD


def test_records_are_named_in_words(client, moderator_a, community_a, member_a, hold, publish):
    idea = publish(community_a, member_a, "Des trains à l’heure")
    item = hold(community_a, UserFactory(username="zoe", display_name="Zoé"), "Remarque", on=idea)
    login_with_mfa(client, moderator_a)
    decide(client, item, "reject", message="Hors sujet.")
    page = client.get(changelist_url(ModerationDecision)).content.decode()
    assert "Refusé : Commentaire de Zoé sur « Des trains à l’heure »" in page
    assert "Mots interdits" in page and "banned_words" not in page
    comments = client.get(changelist_url(Comment)).content.decode()
    assert "Remarque : c’est une arnaque." in comments  # the text, not "3 on 1"


def test_the_sanction_form_is_labelled_in_french(client, moderator_a):
    login_with_mfa(client, moderator_a)
    page = client.get(add_url(Sanction)).content.decode()
    assert re.search(r'<label[^>]*for="id_community"[^>]*>Communauté\s*:</label>', page)
    assert ">Community" not in page


def test_the_bulk_confirmation_names_each_item_in_words(client, moderator_a, community_a, member_a, hold, publish):
    idea = publish(community_a, member_a, "Des trains à l’heure")
    comment_item = hold(community_a, UserFactory(username="zoe", display_name="Zoé"), "Remarque", on=idea)
    idea_item = hold(community_a, member_a, "Des prises dans les trains")
    login_with_mfa(client, moderator_a)
    page = action_post(client, "hide", [comment_item, idea_item]).content.decode()
    assert "Commentaire de Zoé sur « Des trains à l’heure »" in page
    assert "Idée de Member-A : « Des prises dans les trains »" in page
    assert "(r1)" not in page and " on " not in page
    assert f'href="{change_url(comment_item)}"' in page
