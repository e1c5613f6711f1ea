"""The review queue: waiting items as cards on one admin page, decided one click at a time.

Held items are made as members make them (a banned word; an edit; members' flags), then
moderators decide them from the cards, with a plain form (redirect back to the queue) or
as the page's script does (Accept: application/json, the next card in the answer). Each
decision must change things exactly as the item page's decision form does: both call
`moderation_decide`.

Personas as in test_moderation_admin.py: the operator; community A's admin, moderator and
brand manager; community B's moderator; plain members.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.models import Flag, Membership, ModerationDecision, ModerationItem, Sanction
from community.models.community import contrast_ratio
from community.models.moderation import ItemState, Outcome
from community.moderation.services import flag_create, rule_for
from config.theme import ADMIN_DARK_BACKGROUND, ADMIN_LIGHT_BACKGROUND, legible_on, theme_css
from ideas.models import Idea
from ideas.services import comment_create, comment_delete, idea_update
from tests.factories import ReasonTemplateFactory, SanctionFactory, UserFactory, login_with_mfa, make_idea

REVIEW = "admin:community_moderationitem_review"
BANNED = "arnaque"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _no_external_spam_checker(settings) -> None:
    settings.MODERATION_SPAM_CHECK_URL = ""


@pytest.fixture
def hold(django_capture_on_commit_callbacks):
    """Post an idea (or a comment on `on`) that the automatic check holds for a human."""

    def post(community, author, title: str, *, on: Idea | None = None, parent=None) -> ModerationItem:
        rule = rule_for(community)
        if BANNED not in rule.banned_list():
            rule.banned_words = BANNED
            rule.save()
        with django_capture_on_commit_callbacks(execute=True):
            if on is None:
                content = make_idea(community, author, title=title, body=f"{title} : une **arnaque**, à vérifier.")
            else:
                content = comment_create(idea=on, author=author, body=f"{title} : c’est une arnaque.", parent=parent)
        item = ModerationItem.objects.get(**{"idea" if on is None else "comment": content})
        assert item.state == ItemState.HELD, item.reasons
        return item

    return post


def decide_url(item: ModerationItem) -> str:
    return reverse("admin:community_moderationitem_review_decide", args=[item.pk])


def card_url(item: ModerationItem) -> str:
    return reverse("admin:community_moderationitem_review_card", args=[item.pk])


def shown(response) -> list[int]:
    return [card.item.pk for card in response.context["cards"]]


def refreshed(item: ModerationItem) -> ModerationItem:
    item.refresh_from_db()
    return item


# --- What a card shows ------------------------------------------------------------------------


@pytest.fixture
def queue(community_a, community_b, member_a, member_b, hold, django_capture_on_commit_callbacks):
    """In A: a held idea; a held reply on a public idea; a held edit of a public idea; a
    public idea flagged past the threshold. In B: a held idea."""
    alice = UserFactory(username="alice", display_name="Alice")
    public = make_idea(community_a, alice, title="Du Wi-Fi dans le train", body="Stable, s’il vous plaît.")
    parent = comment_create(idea=public, author=alice, body="Le réseau coupe dans les tunnels.")
    edited = make_idea(community_a, alice, title="Des prises partout", body="Une prise par siège.")
    rule = rule_for(community_a)
    rule.flag_threshold = 1.0
    rule.save()
    flagged = make_idea(community_a, alice, title="Un train de nuit", body="Paris–Nice la nuit.")
    items = {
        "idea": hold(community_a, member_a, "Une gare propre"),
        "reply": hold(community_a, UserFactory(username="zoe", display_name="Zoé"), "Bof", on=public, parent=parent),
        "b": hold(community_b, member_b, "Ailleurs"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        idea_update(idea=edited, user=alice, title="Des prises partout", body="Une arnaque, ces prises.")
        flag_create(content=flagged, flagger=UserFactory(display_name="Bob"), reason="spam", note="Pub déguisée")
    items["edit"] = ModerationItem.objects.get(idea=edited, revision=2)
    items["flagged"] = ModerationItem.objects.get(idea=flagged, state=ItemState.HELD)
    SanctionFactory(community=community_a, user=member_a, kind="suspension", until=timezone.now() + timedelta(days=3))
    return items


def test_it_shows_only_the_waiting_items_of_the_moderators_communities(client, moderator_a, queue):
    login_with_mfa(client, moderator_a)
    response = client.get(reverse(REVIEW))
    assert response.status_code == 200
    assert set(shown(response)) == {queue[key].pk for key in ("idea", "reply", "edit", "flagged")}
    assert response.context["waiting"] == 4
    ModerationItem.objects.filter(pk=queue["idea"].pk).update(state=ItemState.APPROVED)  # decided: gone
    assert queue["idea"].pk not in shown(client.get(reverse(REVIEW)))


def test_a_card_shows_the_content_its_context_reasons_flags_and_the_authors_record(client, moderator_a, queue):
    login_with_mfa(client, moderator_a)
    page = client.get(reverse(REVIEW)).content.decode()

    def card(key: str) -> str:
        found = re.search(rf'<article[^>]*id="card-{queue[key].pk}".*?</article>', page, re.DOTALL)
        assert found, key
        return found.group(0)

    idea = card("idea")
    assert "<strong>arnaque</strong>" in idea  # rendered as the site renders it
    assert "Mots interdits" in idea  # why it was held
    assert "member-a" in idea and "Suspension" in idea  # the author and their sanction
    assert re.search(r"0 publiée?s?, 0 refusée?s?, 0 masquée?s?", idea) or "0 publié" in idea
    reply = card("reply")
    assert "Du Wi-Fi dans le train" in reply  # the idea it answers
    assert "Le réseau coupe dans les tunnels." in reply  # the comment it replies to
    edit = card("edit")
    assert "Une prise par siège." in edit  # the version before the edit
    assert "Une arnaque, ces prises." in edit
    flagged = card("flagged")
    assert "Bob" in flagged and "Pub déguisée" in flagged  # the flag and its reason
    assert "Spam" in flagged


def test_the_authors_record_counts_posts_decisions_and_sanctions(client, moderator_a, member_a, queue, hold):
    from community.moderation.services import moderation_decide

    moderation_decide(item=queue["idea"], moderator=moderator_a, outcome=Outcome.REJECT, message="Non.")
    Sanction.objects.filter(user=member_a).update(lifted_at=timezone.now())
    hold(queue["idea"].community, member_a, "Encore une")
    until = timezone.now() + timedelta(days=1)
    SanctionFactory(community=queue["idea"].community, user=member_a, kind="suspension", until=until)
    login_with_mfa(client, moderator_a)
    record = next(card.record for card in client.get(reverse(REVIEW)).context["cards"] if card.item.author == member_a)
    assert record.counts["rejected"] == 1
    assert record.decided == {Outcome.REJECT: 1}
    assert [sanction.kind for sanction in record.sanctions] == [Sanction.Kind.SUSPENSION]
    assert not record.trusted


def test_a_deleted_comment_leaves_no_text_in_the_queue(member_a, queue):
    reply = queue["reply"].comment
    comment_delete(comment=reply, user=reply.author)
    assert refreshed(queue["reply"]).submitted_body == ""


# --- Deciding: the same as the item page's form -------------------------------------------------


def outcome_of(item: ModerationItem) -> tuple:
    """Everything a decision changes, comparable across two items."""
    item = refreshed(item)
    content = item.content
    content.refresh_from_db()
    decision = item.decisions.filter(automatic=False).get()
    membership = Membership.objects.filter(community=item.community, user=item.author).first()
    return (
        item.state,
        content.moderation_state,
        decision.outcome,
        decision.message,
        decision.trusted,
        bool(membership and membership.trusted_at),
        sorted(Flag.objects.filter(idea=item.idea).values_list("upheld", flat=True)),
        sum(item.author.email in sent.to for sent in mail.outbox),
    )


@pytest.mark.parametrize(
    ("decision", "with_template"),
    [("approve", False), ("approve_and_trust", False), ("reject", True), ("hide", False)],
)
@pytest.mark.parametrize("transport", ["form", "json"])
def test_each_decision_does_what_the_item_page_does(
    client, community_a, moderator_a, hold, django_capture_on_commit_callbacks, decision, with_template, transport
):
    template = ReasonTemplateFactory(community=community_a, label="Hors charte", message="Relisez la charte.")
    first = hold(community_a, UserFactory(), "Par la page")
    second = hold(community_a, UserFactory(), "Par la file")
    for item in (first, second):
        Membership.objects.get_or_create(community=community_a, user=item.author)
    data = {"decision": decision, **({"template": template.pk} if with_template else {})}
    login_with_mfa(client, moderator_a)
    with django_capture_on_commit_callbacks(execute=True):
        by_page = client.post(reverse("admin:community_moderationitem_change", args=[first.pk]), data)
    assert by_page.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        by_queue = client.post(decide_url(second), data, **(JSON if transport == "json" else {}))
    if transport == "json":
        assert by_queue.status_code == 200, by_queue.content
        assert by_queue.json()["message"] == str(refreshed(second).decisions.get(automatic=False))
    else:
        assert by_queue.status_code == 302
        assert by_queue["Location"] == reverse(REVIEW)
        followed = client.get(by_queue["Location"])
        assert [str(message) for message in followed.context["messages"]]
    assert outcome_of(second) == outcome_of(first)
    expected = {"approve": "approved", "approve_and_trust": "approved", "reject": "rejected", "hide": "hidden"}
    assert refreshed(second).state == expected[decision]
    if decision == "approve_and_trust":
        assert Membership.objects.get(community=community_a, user=second.author).trusted_at is not None
    if decision == "reject":
        assert refreshed(second).decisions.get(automatic=False).message == "Relisez la charte."


def test_a_typed_message_wins_over_the_template(client, community_a, moderator_a, hold):
    template = ReasonTemplateFactory(community=community_a, message="Relisez la charte.")
    item = hold(community_a, UserFactory(), "Une idée")
    login_with_mfa(client, moderator_a)
    data = {"decision": "reject", "template": template.pk, "message": "Relisez la charte, page 2."}
    assert client.post(decide_url(item), data, **JSON).status_code == 200
    assert refreshed(item).decisions.get(automatic=False).message == "Relisez la charte, page 2."


def test_the_json_answer_brings_the_next_card_not_on_the_page(client, community_a, moderator_a, hold):
    items = [hold(community_a, UserFactory(), f"Idée {number}") for number in range(3)]
    login_with_mfa(client, moderator_a)
    answer = client.post(decide_url(items[0]), {"decision": "approve", "shown": f"{items[0].pk},{items[1].pk}"}, **JSON)
    data = answer.json()
    assert f'id="card-{items[2].pk}"' in data["next"]
    assert data["waiting"] == 2
    answer = client.post(
        decide_url(items[1]), {"decision": "approve", "shown": f"{items[1].pk},{items[2].pk}"}, **JSON
    ).json()
    assert answer["next"] == ""
    assert answer["waiting"] == 1


# --- Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "page", "decides"),
    [
        ("visitor", 302, False),
        ("member_a", 302, False),  # not staff: the admin's sign-in page
        ("brand_manager_a", 403, False),  # staff, no moderation role
        ("moderator_b", 200, False),  # another community: A's item is not found
        ("moderator_a", 200, True),
        ("admin_a", 200, True),
        ("superuser", 200, True),
    ],
)
def test_who_may_see_and_decide_community_as_items(
    client, request, community_a, member_a, hold, persona, page, decides
):
    item = hold(community_a, UserFactory(), "Une idée de A")
    if persona != "visitor":
        user = request.getfixturevalue(persona)
        if user.is_staff:
            login_with_mfa(client, user)
        else:
            client.force_login(user)
    response = client.get(reverse(REVIEW))
    assert response.status_code == page
    if page == 302:
        assert "/login/" in response["Location"]
    if page == 200:
        assert (item.pk in shown(response)) is decides
    card = client.get(card_url(item))
    answer = client.post(decide_url(item), {"decision": "approve"}, **JSON)
    if decides:
        assert card.status_code == 200
        assert answer.status_code == 200
        assert refreshed(item).state == ItemState.APPROVED
    else:
        assert card.status_code in (302, 403, 404)
        assert answer.status_code in (302, 403, 404)
        if persona == "moderator_b":
            assert card.status_code == answer.status_code == 404
        assert refreshed(item).state == ItemState.HELD
        assert not ModerationDecision.objects.filter(item=item, automatic=False).exists()


# --- Bad input ------------------------------------------------------------------------------


@pytest.fixture
def held(community_a, hold):
    return hold(community_a, UserFactory(), "Une idée à trancher")


@pytest.mark.parametrize("transport", ["form", "json"])
@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"decision": "delete"}, "choix valide"),
        ({}, "obligatoire"),
        ({"decision": "reject"}, "Dites pourquoi"),
        ({"decision": "reject", "template": "999999"}, "choix valide"),
        ({"decision": "reject", "message": "x" * 2001}, "2000"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, moderator_a, held, transport, data, says):
    login_with_mfa(client, moderator_a)
    response = client.post(decide_url(held), data, **(JSON if transport == "json" else {}))
    assert response.status_code == 400
    text = response.json()["error"] if transport == "json" else response.content.decode()
    assert says in text
    if transport == "form" and data.get("message"):
        assert "x" * 2001 in text  # what the moderator typed is kept
    assert refreshed(held).state == ItemState.HELD


def test_another_communitys_reason_template_is_refused(client, community_b, moderator_a, held):
    template = ReasonTemplateFactory(community=community_b)
    login_with_mfa(client, moderator_a)
    response = client.post(decide_url(held), {"decision": "reject", "template": template.pk}, **JSON)
    assert response.status_code == 400
    assert refreshed(held).state == ItemState.HELD


@pytest.mark.parametrize("transport", ["form", "json"])
def test_an_item_decided_meanwhile_is_refused(client, moderator_a, admin_a, held, transport):
    login_with_mfa(client, admin_a)
    assert client.post(decide_url(held), {"decision": "approve"}, **JSON).status_code == 200
    login_with_mfa(client, moderator_a)
    response = client.post(decide_url(held), {"decision": "hide"}, **(JSON if transport == "json" else {}))
    assert response.status_code == 409
    text = response.json()["error"] if transport == "json" else response.content.decode()
    assert "déjà" in text
    assert refreshed(held).state == ItemState.APPROVED
    assert ModerationDecision.objects.filter(item=held, automatic=False).count() == 1


@pytest.mark.parametrize("transport", ["form", "json"])
def test_an_item_edited_since_it_was_queued_is_refused(
    client, moderator_a, held, transport, django_capture_on_commit_callbacks
):
    idea = held.idea
    with django_capture_on_commit_callbacks(execute=True):
        idea_update(idea=idea, user=idea.author, title=idea.title, body="Une version revue.")
    login_with_mfa(client, moderator_a)
    response = client.post(decide_url(held), {"decision": "approve"}, **(JSON if transport == "json" else {}))
    assert response.status_code == 409
    text = response.json()["error"] if transport == "json" else response.content.decode()
    assert "modifié" in text


def test_unknown_items_and_wrong_methods(client, moderator_a, held):
    login_with_mfa(client, moderator_a)
    assert client.post(decide_url(held).replace(str(held.pk), "999999"), {"decision": "approve"}).status_code == 404
    assert client.get(decide_url(held)).status_code == 405
    assert client.get(reverse(REVIEW), {"community": "x'; drop"}).status_code == 200


# --- Query budget -----------------------------------------------------------------------------


def test_the_queue_costs_the_same_queries_for_3_or_12_cards(client, community_a, moderator_a, hold):
    public = make_idea(community_a, UserFactory(), title="Une idée publique", body="Publique.")
    parent = comment_create(idea=public, author=UserFactory(), body="Un avis.")
    login_with_mfa(client, moderator_a)

    def queries() -> int:
        client.get(reverse(REVIEW))  # warm the session and caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(REVIEW))
        assert response.status_code == 200
        return len(captured)

    for number in range(3):
        hold(community_a, UserFactory(), f"Idée {number}") if number % 2 else hold(
            community_a, UserFactory(), f"Remarque {number}", on=public, parent=parent
        )
    small = queries()
    for number in range(3, 12):
        hold(community_a, UserFactory(), f"Idée {number}") if number % 2 else hold(
            community_a, UserFactory(), f"Remarque {number}", on=public, parent=parent
        )
    assert len(client.get(reverse(REVIEW)).context["cards"]) == 12
    assert queries() == small


def test_the_queue_costs_the_same_queries_for_3_or_12_cards_with_likely_duplicates(
    client, community_a, moderator_a, hold
):
    for _ in range(3):
        make_idea(community_a, UserFactory(), title="Des prises électriques à chaque siège")
    login_with_mfa(client, moderator_a)

    def queries() -> int:
        client.get(reverse(REVIEW))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(REVIEW))
        assert response.status_code == 200
        assert all(len(card.originals) == 3 for card in response.context["cards"])  # found when posted
        return len(captured)

    for _ in range(3):
        hold(community_a, UserFactory(), "Des prises électriques à chaque siège")
    small = queries()
    for _ in range(3, 12):
        hold(community_a, UserFactory(), "Des prises électriques à chaque siège")
    assert len(client.get(reverse(REVIEW)).context["cards"]) == 12
    assert queries() == small


# --- The admin in the brand's colours ----------------------------------------------------------


def test_the_admin_wears_the_communitys_colours_and_name(client, community_a, moderator_a):
    community_a.primary_color = "#ffd700"  # a light brand colour: black text, darker links
    community_a.save()
    login_with_mfa(client, moderator_a)
    page = client.get(reverse("admin:index")).content.decode()
    assert re.search(r'<link rel="stylesheet" href="/theme\.css\?v=\w+">', page)
    assert "css/admin_brand" in page
    assert "Administration de Brand A" in page or "Brand A" in page
    css = theme_css(community_a)
    assert "--brand-on-primary: #000000" in css
    links = re.search(r"--brand-link: (#\w{6}); --brand-link-dark: (#\w{6})", css)
    assert contrast_ratio(links.group(1), ADMIN_LIGHT_BACKGROUND) >= 4.5
    assert contrast_ratio(links.group(2), ADMIN_DARK_BACKGROUND) >= 4.5


@pytest.mark.parametrize("colour", ["#1f4e79", "#ffd700", "#e07a1f", "#00a0e0", "#777777", "#ffffff", "#000000"])
def test_brand_links_read_on_the_admins_backgrounds(colour):
    assert contrast_ratio(legible_on(colour, ADMIN_LIGHT_BACKGROUND), ADMIN_LIGHT_BACKGROUND) >= 4.5
    assert contrast_ratio(legible_on(colour, ADMIN_DARK_BACKGROUND), ADMIN_DARK_BACKGROUND) >= 4.5
    assert legible_on("#1f4e79", ADMIN_LIGHT_BACKGROUND) == "#1f4e79"  # a dark brand colour stays itself
