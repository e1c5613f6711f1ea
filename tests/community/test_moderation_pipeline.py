"""The moderation pipeline through the real services and task: submit, check, decide, sweep.

PRODUCT §4: every create or edit enqueues a check after commit; the check is idempotent
(keyed by object and revision); each outcome is a `ModerationDecision`. Pre-moderation:
public only once approved. Post-moderation: public at once, hidden if a rule trips. The
author of a held item sees "awaiting review"; moderators decide, may trust the author,
and the author is told by e-mail. A sweeper queues again what was left pending.

Tasks run eagerly here, but only when the transaction commits: the helpers below create
inside `django_capture_on_commit_callbacks(execute=True)`, as a request would.
"""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community.models import Membership, ModerationDecision, ModerationItem
from community.moderation.services import (
    NotAllowed,
    moderation_check,
    moderation_decide,
    moderation_sweep,
    rule_for,
)
from community.selectors import typical_wait
from community.tasks import check_item
from ideas.models import Comment, Idea, IdeaStats
from ideas.services import comment_create, idea_create, idea_update
from tests.factories import UserFactory, make_idea, run_as_task

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

HOST_A = "ideas.brand-a.test"
PENDING_BANNER = 'class="banner banner--pending"'
CLEAN = {"title": "Des prises électriques à chaque siège", "body": "Pour travailler pendant le trajet."}
SPAM = {"title": "Une arnaque sur les billets", "body": "Cliquez vite, les prix baissent."}


@pytest.fixture
def banned(community_a):
    rule = rule_for(community_a)
    rule.banned_words = "arnaque"
    rule.save()
    return rule


@pytest.fixture
def post(community_a, django_capture_on_commit_callbacks):
    """Post an idea as a member would: the check runs when the transaction commits."""

    def post(author, *, title=CLEAN["title"], body=CLEAN["body"]):
        with django_capture_on_commit_callbacks(execute=True):
            return idea_create(community=community_a, author=author, title=title, body=body)

    return post


@pytest.fixture
def comment(django_capture_on_commit_callbacks):
    def comment(idea, author, body):
        with django_capture_on_commit_callbacks(execute=True):
            return comment_create(idea=idea, author=author, body=body)

    return comment


@pytest.fixture
def decide(django_capture_on_commit_callbacks):
    """A moderator's decision, committed (so that the author's e-mail leaves)."""

    def decide(item, moderator, outcome, message="", trust=False):
        with django_capture_on_commit_callbacks(execute=True):
            return moderation_decide(item=item, moderator=moderator, outcome=outcome, message=message, trust=trust)

    return decide


def pre_moderation(community) -> None:
    community.moderation_mode = "pre"
    community.save()


def state_of(content) -> str:
    return type(content).objects.values_list("moderation_state", flat=True).get(pk=content.pk)


def is_listed(idea) -> bool:
    return IdeaStats.objects.values_list("is_listed", flat=True).get(pk=idea.pk)


def comments_count(idea) -> int:
    return IdeaStats.objects.values_list("comments", flat=True).get(pk=idea.pk)


def item_of(content, revision: int = 1) -> ModerationItem:
    if isinstance(content, Idea):
        return ModerationItem.objects.get(kind="idea", idea=content, revision=revision)
    return ModerationItem.objects.get(kind="comment", comment=content, revision=revision)


def listed_titles(client) -> str:
    return client.get(reverse("ideas:list"), HTTP_HOST=HOST_A).content.decode()


# --- Post-moderation -----------------------------------------------------------------------


def test_post_moderation_a_clean_idea_stays_public(post, member_a):
    idea = post(member_a)
    assert state_of(idea) == "approved"
    assert is_listed(idea)
    item = item_of(idea)
    assert item.state == "approved" and item.decided_at is not None
    decision = ModerationDecision.objects.get(item=item)
    assert (decision.outcome, decision.automatic, decision.decided_by) == ("approve", True, None)


def test_post_moderation_an_idea_is_public_before_the_check_runs(community_a, member_a):
    idea = make_idea(community_a, member_a)  # the transaction has not committed: no check yet
    assert state_of(idea) == "approved"
    assert item_of(idea).state == "pending"


def test_post_moderation_a_banned_word_hides_the_idea_for_a_moderator(post, member_a, banned):
    idea = post(member_a, **SPAM)
    assert state_of(idea) == "pending"
    assert not is_listed(idea)
    item = item_of(idea)
    assert item.state == "held"
    assert item.reason_codes() == ["banned_words"]
    assert item.decided_at is None  # still waiting for a human
    decision = ModerationDecision.objects.get(item=item)
    assert (decision.outcome, decision.automatic, decision.reasons) == ("hold", True, "banned_words")


# --- Pre-moderation ------------------------------------------------------------------------


def test_pre_moderation_an_idea_is_public_only_once_approved(community_a, member_a, client):
    pre_moderation(community_a)
    idea = make_idea(community_a, member_a, title="Des casiers à vélos en gare")
    assert state_of(idea) == "pending"
    assert not is_listed(idea)
    assert client.get(idea.get_absolute_url(), HTTP_HOST=HOST_A).status_code == 404

    assert moderation_check(item_of(idea).pk) == "approve"
    assert state_of(idea) == "approved"
    assert is_listed(idea)
    assert client.get(idea.get_absolute_url(), HTTP_HOST=HOST_A).status_code == 200
    assert "Des casiers à vélos en gare" in listed_titles(client)


def test_pre_moderation_a_held_idea_stays_out_of_sight(community_a, member_a, post, banned):
    pre_moderation(community_a)
    idea = post(member_a, **SPAM)
    assert state_of(idea) == "pending"
    assert not is_listed(idea)
    assert item_of(idea).state == "held"


def test_pre_moderation_an_edit_leaves_the_public_pages_until_checked(
    community_a, member_a, post, django_capture_on_commit_callbacks
):
    pre_moderation(community_a)
    idea = post(member_a)
    assert state_of(idea) == "approved"
    idea_update(idea=idea, user=member_a, title="Des prises USB à chaque siège", body="Et du 230 V.")
    assert state_of(idea) == "pending"
    assert not is_listed(idea)
    assert moderation_check(item_of(idea, revision=2).pk) == "approve"
    assert is_listed(idea)


# --- Comments ------------------------------------------------------------------------------


def test_post_moderation_a_held_comment_leaves_the_count(idea_a, member_b, comment, banned):
    comment(idea_a, member_b, "Bonne idée, vraiment.")
    held = comment(idea_a, member_b, "Encore une arnaque de la direction")
    assert state_of(held) == "pending"
    assert item_of(held).state == "held"
    assert item_of(held).reason_codes() == ["banned_words"]
    assert comments_count(idea_a) == 1


def test_pre_moderation_a_comment_counts_once_approved(community_a, idea_a, member_b, comment, banned):
    pre_moderation(community_a)
    approved = comment(idea_a, member_b, "Bonne idée, vraiment.")
    held = comment(idea_a, member_b, "Encore une arnaque de la direction")
    assert state_of(approved) == "approved"
    assert state_of(held) == "pending"
    assert comments_count(idea_a) == 1


def test_pre_moderation_a_comment_does_not_count_before_its_check(community_a, idea_a, member_b):
    pre_moderation(community_a)
    waiting = comment_create(idea=idea_a, author=member_b, body="Bonne idée, vraiment.")
    assert comments_count(idea_a) == 0
    moderation_check(item_of(waiting).pk)
    assert comments_count(idea_a) == 1


def test_a_moderator_approving_a_held_comment_counts_it(idea_a, member_b, moderator_a, comment, decide, banned):
    held = comment(idea_a, member_b, "Encore une arnaque de la direction")
    assert comments_count(idea_a) == 0
    decide(item_of(held), moderator_a, "approve")
    assert state_of(held) == "approved"
    assert comments_count(idea_a) == 1
    decide(item_of(held), moderator_a, "hide")
    assert comments_count(idea_a) == 0


# --- Idempotency and revisions ---------------------------------------------------------------


@pytest.mark.parametrize("text", [CLEAN, SPAM], ids=["approved", "held"])
def test_running_the_check_twice_changes_nothing_the_second_time(post, member_a, banned, text):
    idea = post(member_a, **text)
    item = item_of(idea)
    before = (item.state, item.reasons, state_of(idea), is_listed(idea), ModerationDecision.objects.count())

    assert check_item(item.pk) is None  # the task itself, run again
    assert moderation_check(item.pk) is None

    item.refresh_from_db()
    assert (item.state, item.reasons, state_of(idea), is_listed(idea), ModerationDecision.objects.count()) == before


def test_an_edit_supersedes_the_check_of_the_previous_revision(community_a, member_a, banned):
    idea = make_idea(community_a, member_a, **SPAM)  # revision 1, not checked yet
    idea_update(idea=idea, user=member_a, title="Une affaire sur les billets", body="Les prix baissent.")
    assert idea.revision == 2

    assert moderation_check(item_of(idea, revision=1).pk) is None
    assert item_of(idea, revision=1).state == "superseded"
    assert state_of(idea) == "approved"  # the stale check did not hold the edited text
    assert not ModerationDecision.objects.exists()

    assert moderation_check(item_of(idea, revision=2).pk) == "approve"


def test_a_check_for_a_stale_revision_marks_it_superseded(community_a, member_a, banned):
    idea = make_idea(community_a, member_a, **SPAM)
    Idea.objects.filter(pk=idea.pk).update(revision=2)  # an edit whose own submission is not recorded yet

    assert moderation_check(item_of(idea).pk) is None
    item = item_of(idea)
    assert item.state == "superseded"
    assert item.decided_at is not None
    assert state_of(idea) == "approved"
    assert is_listed(idea)
    assert not ModerationDecision.objects.exists()


def test_an_edit_of_a_held_idea_is_checked_again(post, member_a, banned, django_capture_on_commit_callbacks):
    idea = post(member_a, **SPAM)
    with django_capture_on_commit_callbacks(execute=True):
        idea_update(idea=idea, user=member_a, title="Une affaire sur les billets", body="Les prix baissent.")
    assert item_of(idea, revision=1).state == "superseded"
    assert item_of(idea, revision=2).state == "approved"
    assert state_of(idea) == "approved"
    assert is_listed(idea)


# --- Who sees a held idea -------------------------------------------------------------------


@pytest.fixture
def people(member_a, moderator_a):
    return {
        "visitor": None,
        "author": member_a,
        "member": UserFactory(username="other-member-a"),
        "moderator": moderator_a,
    }


@pytest.mark.parametrize("mode", ["pre", "post"])
@pytest.mark.parametrize(
    ("persona", "status", "banner"),
    [("visitor", 404, False), ("author", 200, True), ("member", 404, False), ("moderator", 200, True)],
)
def test_who_opens_a_held_idea(client, community_a, people, post, banned, mode, persona, status, banner):
    community_a.moderation_mode = mode
    community_a.save()
    idea = post(people["author"], title="Une arnaque sur les billets", body="Cliquez vite.")
    assert item_of(idea).state == "held"
    if people[persona] is not None:
        client.force_login(people[persona])
    response = client.get(idea.get_absolute_url(), HTTP_HOST=HOST_A)
    assert response.status_code == status
    if status == 200:
        content = response.content.decode()
        assert "Une arnaque sur les billets" in content
        assert (PENDING_BANNER in content) is banner


@pytest.mark.parametrize("mode", ["pre", "post"])
@pytest.mark.parametrize("persona", ["visitor", "author", "member", "moderator"])
def test_only_approved_ideas_are_listed(client, community_a, people, post, banned, mode, persona):
    community_a.moderation_mode = mode
    community_a.save()
    post(people["author"], title="Des bancs sur les quais", body="Pour attendre assis.")
    post(people["author"], title="Une arnaque sur les billets", body="Cliquez vite.")
    if people[persona] is not None:
        client.force_login(people[persona])
    content = listed_titles(client)
    assert "Des bancs sur les quais" in content
    assert "Une arnaque sur les billets" not in content


def test_an_approved_idea_has_no_pending_banner(client, post, member_a):
    idea = post(member_a)
    client.force_login(member_a)
    assert PENDING_BANNER not in client.get(idea.get_absolute_url(), HTTP_HOST=HOST_A).content.decode()


def test_the_author_of_a_held_idea_sees_the_typical_wait(client, community_a, member_a, moderator_a, post, banned):
    earlier = post(member_a, title="Une arnaque au guichet", body="Cliquez vite.")
    decision = moderation_decide(item=item_of(earlier), moderator=moderator_a, outcome="reject")
    ModerationItem.objects.filter(pk=decision.item_id).update(created_at=decision.created_at - timedelta(hours=2))
    assert typical_wait(community_a) == timedelta(hours=2)

    idea = post(member_a, title="Une arnaque sur les billets", body="Cliquez vite.")
    client.force_login(member_a)
    content = client.get(idea.get_absolute_url(), HTTP_HOST=HOST_A).content.decode()
    banner = re.search(r'<p class="banner banner--pending"[^>]*>(.*?)</p>', content, re.S).group(1)
    assert re.search(r"\b2\s*(h\b|heures?|hours?)", banner), banner


# --- Moderators decide ------------------------------------------------------------------------


def test_approving_a_held_idea_publishes_it(client, post, member_a, moderator_a, decide, banned):
    idea = post(member_a, **SPAM)
    decision = decide(item_of(idea), moderator_a, "approve", message="Faux positif, désolé.")
    assert state_of(idea) == "approved"
    assert is_listed(idea)
    assert item_of(idea).state == "approved"
    assert (decision.automatic, decision.decided_by, decision.reasons) == (False, moderator_a, "banned_words")
    assert client.get(idea.get_absolute_url(), HTTP_HOST=HOST_A).status_code == 200
    assert ModerationDecision.objects.filter(item__idea=idea).count() == 2  # the automatic hold, then this


@pytest.mark.parametrize(("outcome", "state"), [("reject", "rejected"), ("hide", "hidden")])
@pytest.mark.parametrize("text", [CLEAN, SPAM], ids=["public", "held"])
def test_rejecting_or_hiding_removes_an_idea_from_public(
    client, post, member_a, moderator_a, decide, banned, outcome, state, text
):
    idea = post(member_a, **text)
    decide(item_of(idea), moderator_a, outcome)
    assert state_of(idea) == state
    assert item_of(idea).state == state
    assert not is_listed(idea)
    assert client.get(idea.get_absolute_url(), HTTP_HOST=HOST_A).status_code == 404
    assert text["title"] not in listed_titles(client)


@pytest.fixture
def first_posts_held(community_a):
    rule = rule_for(community_a)
    rule.new_member_hold_count = 2
    rule.save()
    return rule


def test_approve_and_trust_lifts_the_new_member_hold(
    community_a, post, member_a, moderator_a, decide, first_posts_held
):
    first = post(member_a, title="Des bancs sur les quais", body="Pour attendre assis.")
    assert item_of(first).reason_codes() == ["new_member"]
    decide(item_of(first), moderator_a, "approve", trust=True)
    assert Membership.objects.get(community=community_a, user=member_a).trusted_at is not None

    second = post(member_a, title="Des horloges lisibles", body="Même de loin.")
    assert item_of(second).state == "approved"
    assert state_of(second) == "approved"


def test_approve_without_trust_keeps_holding_the_first_posts(
    community_a, post, member_a, moderator_a, decide, first_posts_held
):
    first = post(member_a, title="Des bancs sur les quais", body="Pour attendre assis.")
    decide(item_of(first), moderator_a, "approve")
    assert Membership.objects.get(community=community_a, user=member_a).trusted_at is None

    second = post(member_a, title="Des horloges lisibles", body="Même de loin.")
    assert item_of(second).reason_codes() == ["new_member"]
    decide(item_of(second), moderator_a, "approve")

    third = post(member_a, title="Des quais abrités", body="Contre la pluie.")
    assert item_of(third).state == "approved"  # two posts approved: no longer new


def test_the_author_is_told_the_decision_by_email_after_commit(
    post, member_a, moderator_a, banned, django_capture_on_commit_callbacks
):
    idea = post(member_a, **SPAM)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moderation_decide(
            item=item_of(idea), moderator=moderator_a, outcome="reject", message="Merci de rester courtois."
        )
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member_a.email]
    assert "Merci de rester courtois." in message.body
    assert SPAM["title"] in message.body


@pytest.mark.parametrize(
    ("language", "expected"),
    [("", "Les modérateurs de Brand A n’ont pas publié"), ("en", "The moderators of Brand A did not publish")],
)
def test_the_email_speaks_the_author_language(post, member_a, moderator_a, decide, banned, language, expected):
    member_a.language = language
    member_a.save()
    idea = post(member_a, **SPAM)
    mail.outbox.clear()
    decide(item_of(idea), moderator_a, "reject")
    assert expected in mail.outbox[0].body


def test_a_moderator_editing_a_hidden_idea_does_not_publish_it(
    client, post, member_a, moderator_a, decide, django_capture_on_commit_callbacks
):
    idea = post(member_a, title="Mon numéro : 06 12 34 56 78", body="Appelez-moi.")
    decide(item_of(idea), moderator_a, "hide", message="Pas de données personnelles.")
    with django_capture_on_commit_callbacks(execute=True):
        idea_update(idea=Idea.objects.get(pk=idea.pk), user=moderator_a, title="Mon numéro : [retiré]", body=".")
    assert state_of(idea) == "hidden"
    assert not is_listed(idea)
    assert client.get(idea.get_absolute_url(), HTTP_HOST=HOST_A).status_code == 404


@pytest.mark.parametrize("persona", ["moderator_b", "member_b", "member_a"])
def test_only_a_moderator_of_the_community_decides(request, post, member_a, banned, persona):
    idea = post(member_a, **SPAM)
    decisions = ModerationDecision.objects.count()
    with pytest.raises(NotAllowed):
        moderation_decide(item=item_of(idea), moderator=request.getfixturevalue(persona), outcome="approve")
    assert state_of(idea) == "pending"
    assert item_of(idea).state == "held"
    assert ModerationDecision.objects.count() == decisions


@pytest.mark.parametrize("persona", ["admin_a", "superuser"])
def test_an_admin_of_the_community_or_the_operator_decides(request, post, member_a, banned, persona):
    idea = post(member_a, **SPAM)
    moderation_decide(item=item_of(idea), moderator=request.getfixturevalue(persona), outcome="approve")
    assert state_of(idea) == "approved"


def test_a_decision_must_be_approve_reject_or_hide(post, member_a, moderator_a, banned):
    idea = post(member_a, **SPAM)
    with pytest.raises(ValueError):
        moderation_decide(item=item_of(idea), moderator=moderator_a, outcome="hold")
    assert item_of(idea).state == "held"


def test_approving_a_replaced_revision_does_not_publish_the_edit(
    community_a, member_a, moderator_a, post, banned, first_posts_held, django_capture_on_commit_callbacks
):
    pre_moderation(community_a)
    idea = post(member_a, title="Des bancs sur les quais", body="Pour attendre assis.")
    stale = item_of(idea)
    assert stale.state == "held"  # a new member's first post
    with django_capture_on_commit_callbacks(execute=True):
        idea_update(idea=idea, user=member_a, title="Une arnaque sur les billets", body="Cliquez vite.")
    assert item_of(idea, revision=2).state == "held"
    stale.refresh_from_db()
    assert stale.state == "superseded"

    # The moderator's page still showed revision 1 (the admin confirms in two steps).
    with contextlib.suppress(Exception):  # refusing or ignoring are both right
        moderation_decide(item=stale, moderator=moderator_a, outcome="approve")
    assert state_of(idea) == "pending"
    assert not is_listed(idea)


# --- The sweeper ------------------------------------------------------------------------------


def queued_ago(item, seconds: int) -> None:
    ModerationItem.objects.filter(pk=item.pk).update(enqueued_at=timezone.now() - timedelta(seconds=seconds))


def test_the_sweeper_queues_again_an_item_left_pending(community_a, member_a):
    idea = make_idea(community_a, member_a)  # its check never ran (the broker was down)
    item = item_of(idea)
    assert item.state == "pending"
    queued_ago(item, settings.MODERATION_SWEEP_AFTER + 5)

    assert run_as_task(moderation_sweep) == 1
    item.refresh_from_db()
    assert item.attempts == 1
    assert item.state == "approved"  # eager tasks: the check ran
    assert timezone.now() - item.enqueued_at < timedelta(seconds=30)


def test_the_sweeper_leaves_recent_and_held_items_alone(community_a, member_a, post, banned):
    held = item_of(post(member_a, **SPAM))
    queued_ago(held, settings.MODERATION_SWEEP_AFTER * 10)
    # After the held post: its check would have decided this pending item with it.
    recent = item_of(make_idea(community_a, member_a, title="Des bancs sur les quais"))
    queued_ago(recent, settings.MODERATION_SWEEP_AFTER - 30)

    assert run_as_task(moderation_sweep) == 0
    recent.refresh_from_db()
    held.refresh_from_db()
    assert (recent.state, recent.attempts) == ("pending", 0)
    assert (held.state, held.attempts) == ("held", 0)


def test_the_sweeper_counts_every_item_it_queues(community_a, member_a):
    items = [item_of(make_idea(community_a, member_a, title=f"Idée numéro {n}", body=f"Texte {n}.")) for n in range(3)]
    for item in items:
        queued_ago(item, settings.MODERATION_SWEEP_AFTER + 5)
    assert run_as_task(moderation_sweep) == 3
    assert (
        list(ModerationItem.objects.filter(pk__in=[i.pk for i in items]).values_list("state", flat=True))
        == ["approved"] * 3
    )


# --- The typical wait ------------------------------------------------------------------------


def decided_after(community, author, moderator, hours: float, title: str) -> None:
    """An idea that waited `hours` between submission and a moderator's decision."""
    idea = make_idea(community, author, title=title, body=title)
    item = item_of(idea)
    decision = moderation_decide(item=item, moderator=moderator, outcome="approve")
    ModerationItem.objects.filter(pk=item.pk).update(created_at=decision.created_at - timedelta(hours=hours))


def test_the_typical_wait_is_the_median_of_human_decisions(
    community_a, community_b, member_a, moderator_a, moderator_b
):
    assert typical_wait(community_a) is None
    for hours, title in [(1, "Une"), (2, "Deux"), (6, "Trois")]:
        decided_after(community_a, member_a, moderator_a, hours, f"Idée {title}")
    # Automatic decisions and other communities do not count.
    automatic = item_of(make_idea(community_a, member_a, title="Idée automatique"))
    moderation_check(automatic.pk)
    ModerationItem.objects.filter(pk=automatic.pk).update(created_at=timezone.now() - timedelta(hours=100))
    decided_after(community_b, UserFactory(), moderator_b, 50, "Idée de B")

    assert typical_wait(community_a) == timedelta(hours=2)
    assert typical_wait(community_b) == timedelta(hours=50)


def test_the_typical_wait_follows_new_decisions(community_a, member_a, moderator_a):
    decided_after(community_a, member_a, moderator_a, 1, "Idée une")
    assert typical_wait(community_a) == timedelta(hours=1)
    decided_after(community_a, member_a, moderator_a, 3, "Idée deux")
    assert typical_wait(community_a) == timedelta(hours=2)  # the median of two is their mean


def test_a_post_through_the_site_records_its_item_and_is_checked(
    community_a, member_a, client, django_capture_on_commit_callbacks
):
    client.force_login(member_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ideas:create"),
            {"title": "Des casiers à vélos", "body": "Sécurisés."},
            HTTP_HOST=HOST_A,
            HTTP_USER_AGENT="Navigateur/1.0",
            REMOTE_ADDR="203.0.113.7",
        )
    assert response.status_code == 302
    idea = Idea.objects.get(title="Des casiers à vélos")
    item = item_of(idea)
    assert (item.community, item.author, item.ip, item.user_agent) == (
        community_a,
        member_a,
        "203.0.113.7",
        "Navigateur/1.0",
    )
    assert item.state == "approved"  # the request committed: the check ran


def test_comment_items_belong_to_the_idea_community(idea_a, member_b, community_a, comment):
    created = comment(idea_a, member_b, "Bonne idée, vraiment.")
    item = item_of(created)
    assert (item.kind, item.community, item.author, item.idea) == ("comment", community_a, member_b, None)
    assert Comment.objects.get(pk=created.pk).moderation_state == "approved"


# --- Feeds -----------------------------------------------------------------------------------


def feed_titles(client) -> set[str]:
    from xml.etree import ElementTree

    atom = "{http://www.w3.org/2005/Atom}"
    response = client.get(reverse("ideas:feed"), HTTP_HOST=HOST_A)
    assert response.status_code == 200
    return {entry.find(f"{atom}title").text for entry in ElementTree.fromstring(response.content).iter(f"{atom}entry")}


def test_the_feed_shows_only_approved_unhidden_ideas(client, community_a, member_a, moderator_a, post, decide, banned):
    public = post(member_a, title="Des prises électriques partout")
    held = post(member_a, title=SPAM["title"], body=SPAM["body"])
    hidden = post(member_a, title="Des bancs sur les quais")
    decide(item_of(hidden), moderator_a, "hide")
    pre_moderation(community_a)
    waiting = post(member_a, title="Des casiers à vélos")  # pre-moderation: checked, approved…
    pending = idea_create(community=community_a, author=member_a, title="Des horaires affichés", body="Merci.")

    assert (state_of(held), state_of(hidden), state_of(pending)) == ("pending", "hidden", "pending")
    assert feed_titles(client) == {public.title, waiting.title}
