"""Members flag ideas and comments; flags weigh by the flagger's record.

PRODUCT §4 and docs/moderation.md: a flag weighs `(upheld + 1) / (decided + 2) * 2`: about
1 for a new flagger, towards 2 for reliable ones, towards 0 for those whose flags
moderators did not uphold. When the open flags on a post reach the community's threshold
(3.0 by default) the post is hidden and queued with the reason `flags`. A moderator's
decision settles the flags: approving marks them not upheld, rejecting or hiding upheld.
"""

from __future__ import annotations

import contextlib

import pytest
from django.urls import reverse

from community.models import Flag, ModerationDecision, ModerationItem
from community.moderation.services import flagger_weight, moderation_decide, rule_for
from ideas.exceptions import Refused
from ideas.models import Comment, Idea, IdeaStats
from ideas.services import comment_create, idea_update
from tests.factories import MembershipFactory, UserFactory, make_idea

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

HOST_A = "ideas.brand-a.test"


def flag(client, user, content, reason="spam", **extra):
    """Flag through the site, as the report button does."""
    if user is not None:
        client.force_login(user)
    else:
        client.logout()
    if isinstance(content, Comment):
        url = reverse("ideas:comment_flag", args=[content.pk])
    else:
        url = reverse("ideas:flag", args=[content.pk])
    data = {"reason": reason} if reason is not None else {}
    data.update(extra)
    return client.post(url, data, HTTP_HOST=HOST_A)


def state_of(content) -> str:
    return type(content).objects.values_list("moderation_state", flat=True).get(pk=content.pk)


def is_listed(idea) -> bool:
    return IdeaStats.objects.values_list("is_listed", flat=True).get(pk=idea.pk)


def flaggers(count: int) -> list:
    return [UserFactory() for _ in range(count)]


def with_record(community, *, upheld: int = 0, not_upheld: int = 0):
    """A member whose past flags, on other ideas, were decided this way."""
    user = UserFactory()
    author = UserFactory()
    for n, verdict in enumerate([True] * upheld + [False] * not_upheld):
        other = make_idea(community, author, title=f"Une autre idée {n}", body=f"Texte {n}.")
        Flag.objects.create(community=community, flagger=user, idea=other, reason="spam", upheld=verdict)
    return user


@pytest.fixture
def comment_b(idea_a, member_b):
    """A public comment of member_b on member_a's idea."""
    return comment_create(idea=idea_a, author=member_b, body="Achetez mes billets pas chers")


# --- Weights -------------------------------------------------------------------------------


def test_a_new_flagger_weighs_one(community_a):
    assert flagger_weight(UserFactory(), community_a) == 1.0


@pytest.mark.parametrize(
    ("upheld", "not_upheld", "weight"),
    [(0, 1, 2 / 3), (0, 2, 0.5), (0, 6, 0.25), (1, 0, 4 / 3), (2, 0, 1.5), (1, 1, 1.0)],
)
def test_the_weight_follows_the_flagger_record(community_a, upheld, not_upheld, weight):
    user = with_record(community_a, upheld=upheld, not_upheld=not_upheld)
    assert flagger_weight(user, community_a) == pytest.approx(weight)


def test_flags_not_yet_decided_do_not_change_the_weight(community_a, idea_a):
    user = UserFactory()
    Flag.objects.create(community=community_a, flagger=user, idea=idea_a, reason="spam", upheld=None)
    assert flagger_weight(user, community_a) == 1.0


def test_only_the_record_in_this_community_counts(community_a, community_b):
    user = with_record(community_b, not_upheld=4)
    assert flagger_weight(user, community_b) == pytest.approx(1 / 3)
    assert flagger_weight(user, community_a) == 1.0


# --- Flagging an idea ----------------------------------------------------------------------


def test_below_the_threshold_the_idea_stays_public(client, idea_a):
    for user in flaggers(2):
        response = flag(client, user, idea_a, note="Publicité déguisée")
        assert response.status_code == 302
        assert response["Location"] == idea_a.get_absolute_url()
    assert list(Flag.objects.filter(idea=idea_a).values_list("weight", "note")) == [(1.0, "Publicité déguisée")] * 2
    assert state_of(idea_a) == "approved"
    assert is_listed(idea_a)
    client.logout()
    assert client.get(idea_a.get_absolute_url(), HTTP_HOST=HOST_A).status_code == 200


def test_reaching_the_threshold_hides_the_idea_for_a_moderator(client, idea_a):
    for user in flaggers(3):
        assert flag(client, user, idea_a, reason="offensive").status_code == 302
    assert state_of(idea_a) == "pending"
    assert not is_listed(idea_a)
    item = ModerationItem.objects.get(kind="idea", idea=idea_a, revision=idea_a.revision)
    assert item.state == "held"
    assert "flags" in item.reason_codes()
    decision = ModerationDecision.objects.get(item=item)
    assert (decision.outcome, decision.automatic) == ("hold", True)
    client.logout()
    assert client.get(idea_a.get_absolute_url(), HTTP_HOST=HOST_A).status_code == 404


def test_the_threshold_is_the_community_setting(client, community_a, idea_a):
    rule = rule_for(community_a)
    rule.flag_threshold = 1.0
    rule.save()
    flag(client, UserFactory(), idea_a)
    assert state_of(idea_a) == "pending"


def test_a_flagger_with_a_poor_record_needs_more_co_flaggers(client, community_a, idea_a):
    """0.5 + 1 + 1 = 2.5 < 3: still public; a third new flagger makes 3.5 and hides it."""
    poor = with_record(community_a, not_upheld=2)
    assert flag(client, poor, idea_a).status_code == 302
    assert Flag.objects.get(idea=idea_a, flagger=poor).weight == pytest.approx(0.5)
    first, second, third = flaggers(3)
    flag(client, first, idea_a)
    flag(client, second, idea_a)
    assert state_of(idea_a) == "approved"  # three flags, but only 2.5 of weight
    flag(client, third, idea_a)
    assert state_of(idea_a) == "pending"


def test_reliable_flaggers_hide_with_fewer_flags(client, community_a, idea_a):
    """1.5 + 1.5 = 3: two reliable flaggers are enough."""
    for user in (with_record(community_a, upheld=2), with_record(community_a, upheld=2)):
        flag(client, user, idea_a)
    assert state_of(idea_a) == "pending"


def test_the_flag_answers_scripts_in_json(client, idea_a):
    client.force_login(UserFactory())
    response = client.post(
        reverse("ideas:flag", args=[idea_a.pk]), {"reason": "spam"}, HTTP_HOST=HOST_A, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response.json()["flagged"] is True


# --- Flagging a comment ---------------------------------------------------------------------


def test_flags_hide_a_comment_and_it_leaves_the_count(client, idea_a, comment_b):
    assert IdeaStats.objects.get(pk=idea_a.pk).comments == 1
    for user in flaggers(3):
        assert flag(client, user, comment_b).status_code == 302
    assert state_of(comment_b) == "pending"
    assert IdeaStats.objects.get(pk=idea_a.pk).comments == 0
    item = ModerationItem.objects.get(kind="comment", comment=comment_b)
    assert item.state == "held"
    assert "flags" in item.reason_codes()
    assert state_of(idea_a) == "approved"  # the idea itself is not concerned
    client.logout()
    assert "Achetez mes billets" not in client.get(idea_a.get_absolute_url(), HTTP_HOST=HOST_A).content.decode()


def test_flags_on_comments_do_not_add_up_on_the_idea(client, idea_a, comment_b, member_b):
    other = comment_create(idea=idea_a, author=member_b, body="Et encore des billets")
    user_1, user_2 = flaggers(2)
    flag(client, user_1, comment_b)
    flag(client, user_2, other)
    flag(client, UserFactory(), idea_a)
    assert state_of(idea_a) == "approved"
    assert state_of(comment_b) == "approved"


# --- What is refused -------------------------------------------------------------------------


@pytest.fixture(params=["idea", "comment"])
def target(request, idea_a, comment_b):
    """Something to flag, with its author."""
    if request.param == "idea":
        return idea_a, idea_a.author
    return comment_b, comment_b.author


def test_flagging_twice_keeps_the_first_flag_and_says_so(client, target):
    """A form sent twice is no error: the first report stands, the member is told."""
    content, _author = target
    user = UserFactory()
    assert flag(client, user, content).status_code == 302
    response = flag(client, user, content, reason="offensive")
    assert response.status_code == 302
    assert list(Flag.objects.filter(flagger=user).values_list("reason", flat=True)) == ["spam"]
    page = client.get(response["Location"], HTTP_HOST=HOST_A)
    assert "Vous l’avez déjà signalé. Merci : votre signalement est bien pris en compte." in page.content.decode()
    url = reverse("ideas:comment_flag" if isinstance(content, Comment) else "ideas:flag", args=[content.pk])
    response = client.post(url, {"reason": "spam"}, HTTP_HOST=HOST_A, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert (response.json()["flagged"], response.json()["created"]) == (True, False)


def test_flagging_your_own_post_is_refused(client, target):
    content, author = target
    assert flag(client, author, content).status_code == 400
    assert not Flag.objects.exists()


@pytest.mark.parametrize("reason", ["rude", "", None])
def test_a_flag_needs_a_known_reason(client, target, reason):
    content, _author = target
    assert flag(client, UserFactory(), content, reason=reason).status_code == 400
    assert not Flag.objects.exists()


def test_a_visitor_is_sent_to_sign_in(client, target):
    content, _author = target
    response = flag(client, None, content)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Flag.objects.exists()


def test_a_post_you_cannot_see_cannot_be_flagged(client, community_a, member_a):
    community_a.moderation_mode = "pre"
    community_a.save()
    waiting = make_idea(community_a, member_a, title="Une idée en attente")
    assert flag(client, UserFactory(), waiting).status_code == 404
    assert not Flag.objects.exists()


def test_flagging_a_comment_does_not_stop_you_flagging_its_idea(client, idea_a, comment_b):
    user = UserFactory()
    assert flag(client, user, comment_b).status_code == 302
    assert flag(client, user, idea_a).status_code == 302
    assert Flag.objects.filter(flagger=user, idea=idea_a, comment=None).exists()


# --- A moderator's decision settles the flags --------------------------------------------------


@pytest.fixture
def flagged(client, idea_a):
    """idea_a hidden by three new flaggers."""
    users = flaggers(3)
    for user in users:
        flag(client, user, idea_a)
    assert state_of(idea_a) == "pending"
    return users


def held_item(idea) -> ModerationItem:
    return ModerationItem.objects.get(kind="idea", idea=idea, state="held")


def test_approving_a_flagged_idea_marks_the_flags_not_upheld(community_a, idea_a, moderator_a, flagged):
    moderation_decide(item=held_item(idea_a), moderator=moderator_a, outcome="approve")
    assert state_of(idea_a) == "approved"
    assert is_listed(idea_a)
    flags = Flag.objects.filter(idea=idea_a)
    assert set(flags.values_list("upheld", flat=True)) == {False}
    assert all(flag.decided_at is not None for flag in flags)
    assert [flagger_weight(user, community_a) for user in flagged] == [pytest.approx(2 / 3)] * 3


@pytest.mark.parametrize("outcome", ["hide", "reject"])
def test_hiding_or_rejecting_a_flagged_idea_upholds_the_flags(community_a, idea_a, moderator_a, flagged, outcome):
    moderation_decide(item=held_item(idea_a), moderator=moderator_a, outcome=outcome)
    assert not is_listed(idea_a)
    assert set(Flag.objects.filter(idea=idea_a).values_list("upheld", flat=True)) == {True}
    assert [flagger_weight(user, community_a) for user in flagged] == [pytest.approx(4 / 3)] * 3


def test_settled_flags_no_longer_count_towards_the_threshold(client, idea_a, moderator_a, flagged):
    moderation_decide(item=held_item(idea_a), moderator=moderator_a, outcome="approve")
    flag(client, UserFactory(), idea_a)
    assert state_of(idea_a) == "approved"


def test_a_moderator_settles_the_flags_of_a_comment(client, idea_a, comment_b, moderator_a):
    for user in flaggers(3):
        flag(client, user, comment_b)
    item = ModerationItem.objects.get(kind="comment", comment=comment_b, state="held")
    moderation_decide(item=item, moderator=moderator_a, outcome="hide")
    assert state_of(comment_b) == "hidden"
    assert set(Flag.objects.filter(comment=comment_b).values_list("upheld", flat=True)) == {True}


def test_deciding_about_an_idea_leaves_the_flags_on_its_comments_open(client, idea_a, comment_b, moderator_a):
    assert flag(client, UserFactory(), comment_b).status_code == 302
    for user in flaggers(3):
        flag(client, user, idea_a)
    moderation_decide(item=held_item(idea_a), moderator=moderator_a, outcome="approve")
    assert Flag.objects.get(comment=comment_b).upheld is None


def test_editing_a_flagged_idea_does_not_put_it_back_in_public(
    idea_a, member_a, flagged, django_capture_on_commit_callbacks
):
    with contextlib.suppress(Refused), django_capture_on_commit_callbacks(execute=True):
        idea_update(idea=Idea.objects.get(pk=idea_a.pk), user=member_a, title=idea_a.title, body="Pour travailler !")
    assert state_of(idea_a) == "pending"
    assert not is_listed(idea_a)


# --- Only what a member can see can be flagged ----------------------------------------------

HOST_B = "ideas.brand-b.test"
STATES = ["approved", "pending", "hidden", "rejected", "deleted"]
# (who, state) -> the answer; ideas have no "deleted" state. Own content is "your own post"
# (400) while its author can see it; a moderator sees what is not public but it is already
# theirs to decide (409); what a person cannot see is not found, as an unknown id.
EXPECTED = {
    "member": {"approved": 302, "pending": 404, "hidden": 404, "rejected": 404, "deleted": 404},
    "author": {"approved": 400, "pending": 400, "hidden": 400, "rejected": 400, "deleted": 404},
    "moderator": {"approved": 302, "pending": 409, "hidden": 409, "rejected": 409, "deleted": 404},
    "outsider": {"approved": 404, "pending": 404, "hidden": 404, "rejected": 404, "deleted": 404},
}


def put_in_state(content, state: str) -> None:
    from django.utils import timezone

    rows = type(content).objects.filter(pk=content.pk)
    if state == "deleted":
        rows.update(deleted_at=timezone.now())
    else:
        rows.update(moderation_state=state)


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize(
    ("kind", "state"),
    [(kind, state) for kind in ("idea", "comment") for state in STATES if (kind, state) != ("idea", "deleted")],
)
def test_flagging_follows_what_the_person_can_see(
    client, community_b, idea_a, comment_b, moderator_a, who, kind, state
):
    content = idea_a if kind == "idea" else comment_b
    user, host = {
        "member": (UserFactory(), HOST_A),
        "author": (content.author, HOST_A),
        "moderator": (moderator_a, HOST_A),
        # A member of community B, on B's site, with the ids of A's content.
        "outsider": (MembershipFactory(community=community_b).user, HOST_B),
    }[who]
    put_in_state(content, state)
    client.force_login(user)
    url = reverse("ideas:flag" if kind == "idea" else "ideas:comment_flag", args=[content.pk])
    expected = EXPECTED[who][state]
    assert client.post(url, {"reason": "spam"}, HTTP_HOST=host).status_code == expected
    assert Flag.objects.exists() == (expected == 302)
    scripted = client.post(url, {"reason": "spam"}, HTTP_HOST=host, HTTP_ACCEPT="application/json")
    assert scripted.status_code == (200 if expected == 302 else expected)  # a repeat: no error
    assert Flag.objects.count() == (1 if expected == 302 else 0)


@pytest.mark.parametrize("state", ["pending", "hidden", "rejected"])
def test_a_public_comment_on_an_idea_that_is_not_public_cannot_be_flagged(client, idea_a, comment_b, state):
    put_in_state(idea_a, state)
    assert flag(client, UserFactory(), comment_b).status_code == 404
    assert not Flag.objects.exists()


def test_the_service_refuses_what_is_not_public_whoever_calls_it(idea_a, comment_b, moderator_a):
    """flag_create itself, for callers without a viewer's getter (an API, a task)."""
    from community.moderation.services import FlagRefused, flag_create

    for content, state in ((idea_a, "hidden"), (comment_b, "deleted")):
        put_in_state(content, state)
        content.refresh_from_db()
        with pytest.raises(FlagRefused) as refusal:
            flag_create(content=content, flagger=moderator_a, reason="spam")
        assert refusal.value.status == 409
    assert not Flag.objects.exists()
