"""Checks in batches: one check decides its own item and up to N-1 other pending items.

Issue 7 (moderation ≥ 200 items/s per worker process) within PRODUCT §4's rules: every
post still queues its own check; a batch decides each item as a check of that item alone
would; a duplicate or redelivered message changes nothing; an item another batch holds
is not decided twice; the spam checker's communities are checked one item at a time; the
database is the state of record.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import PointEvent, PointKind
from community.models import Membership, ModerationDecision, ModerationItem, ModerationMode
from community.models.moderation import ItemState
from community.moderation import services as moderation_services
from community.moderation.services import moderation_check, moderation_check_batch, moderation_sweep, rule_for
from community.tasks import RecentIds, check_item
from ideas.models import Idea, IdeaStats
from ideas.services import comment_create
from tests.celery_worker import celery_worker, wait_for
from tests.concurrency import race
from tests.factories import UserFactory, make_idea

CLEAN = "Des prises électriques à chaque siège, pour travailler pendant le trajet."
LINKS = " https://a.test https://b.test"
REPEATED = "Des casiers à vélos sécurisés dans chaque gare, près des quais."


def pre_moderated(community, **rule_fields) -> None:
    community.moderation_mode = ModerationMode.PRE
    community.save()
    rule = rule_for(community)
    for name, value in {"use_spam_check": False, **rule_fields}.items():
        setattr(rule, name, value)
    rule.save()


def trusted_member(community, username: str):
    user = UserFactory(username=username)
    Membership.objects.update_or_create(user=user, community=community, defaults={"trusted_at": timezone.now()})
    return user


def item_of(content) -> ModerationItem:
    kind = "idea" if isinstance(content, Idea) else "comment"
    return ModerationItem.objects.get(kind=kind, **{kind: content}, revision=content.revision)


def automatic_decisions(item_id: int) -> int:
    return ModerationDecision.objects.filter(item_id=item_id, automatic=True).count()


@pytest.fixture
def every_rule(community_a, community_b, member_b):
    """Pending items, oldest first, each tripping one rule (or none), in two communities.

    Community A holds a newcomer's first post and allows 7 posts an hour; the items are
    created without their checks running (nothing commits), as when the worker lags.
    Returns (item ids in order, the outcome and reasons each must get).
    """
    pre_moderated(community_a, banned_words="arnaque", max_links=1, max_posts_per_hour=7, new_member_hold_count=1)
    pre_moderated(community_b)
    regular = trusted_member(community_a, "regular")
    hasty = trusted_member(community_a, "hasty")
    newcomer = UserFactory(username="newcomer")
    known = UserFactory(username="known")
    earlier = make_idea(community_a, known, title="Une idée déjà publiée", body=CLEAN)
    Idea.objects.filter(pk=earlier.pk).update(moderation_state="approved")
    ModerationItem.objects.filter(idea=earlier).update(state=ItemState.APPROVED)
    public = make_idea(community_b, member_b, title="Une idée publique de B", body=CLEAN)
    Idea.objects.filter(pk=public.pk).update(moderation_state="approved")
    ModerationItem.objects.filter(idea=public).update(state=ItemState.APPROVED)
    public.refresh_from_db()

    expected: list[tuple[object, str, str]] = [
        (make_idea(community_a, regular, title="Des prises partout", body=CLEAN), "approve", ""),
        (make_idea(community_a, regular, title="Une arnaque aux billets", body="Vraiment."), "hold", "banned_words"),
        (make_idea(community_a, regular, title="Deux liens", body="Voir" + LINKS), "hold", "links"),
        (
            make_idea(community_a, regular, title="LES TRAINS SONT TOUJOURS EN RETARD", body="C'EST TROP."),
            "hold",
            "shouting",
        ),
        (make_idea(community_a, regular, title="Des casiers", body=REPEATED), "hold", "duplicate"),
        (make_idea(community_a, regular, title="Des casiers", body=REPEATED), "hold", "duplicate"),
        (make_idea(community_a, newcomer, title="Ma première idée", body=CLEAN), "hold", "new_member"),
        (make_idea(community_a, known, title="Ma deuxième idée", body=CLEAN), "approve", ""),
        (make_idea(community_b, member_b, title="Une idée de B", body=CLEAN), "approve", ""),
        (comment_create(idea=public, author=UserFactory(username="commenter"), body=CLEAN), "approve", ""),
    ]
    for n in range(8):  # one more than the hourly limit: every one of them trips it
        expected.append((make_idea(community_a, hasty, title=f"Idée pressée {n}", body=f"Texte {n}."), "hold", "rate"))
    stale = make_idea(community_a, regular, title="Une idée modifiée depuis", body="Texte.")
    Idea.objects.filter(pk=stale.pk).update(revision=2)  # edited; its new item not recorded yet
    expected.append((stale, None, ""))
    ids = [item_of(content).pk for content, _outcome, _reasons in expected]
    return ids, {item_id: (outcome, reasons) for item_id, (_c, outcome, reasons) in zip(ids, expected, strict=True)}


def decided(ids: list[int]) -> dict[int, tuple[str | None, str]]:
    """Each item's automatic outcome (None when it has none) and its reasons."""
    outcomes = dict(
        ModerationDecision.objects.filter(item_id__in=ids, automatic=True).values_list("item_id", "outcome")
    )
    reasons = dict(ModerationItem.objects.filter(pk__in=ids).values_list("pk", "reasons"))
    return {item_id: (outcomes.get(item_id), reasons[item_id]) for item_id in ids}


@pytest.mark.parametrize("size", [1, 50], ids=["one by one", "one batch"])
def test_it_decides_a_batch_as_it_would_decide_each_item_alone(settings, every_rule, size):
    ids, expected = every_rule
    settings.MODERATION_CHECK_BATCH_SIZE = size
    returned = [moderation_check(item_id) for item_id in ids]  # every item's own message, in order

    assert decided(ids) == expected
    if size == 1:
        assert returned == [outcome for outcome, _reasons in expected.values()]
    else:  # the first message decided them all; the others found nothing to do
        assert returned == [expected[ids[0]][0]] + [None] * (len(ids) - 1)
    states = dict(ModerationItem.objects.filter(pk__in=ids).values_list("pk", "state"))
    assert [states[item_id] for item_id in ids].count(ItemState.SUPERSEDED) == 1
    assert all(automatic_decisions(item_id) <= 1 for item_id in ids)


def test_a_batch_publishes_what_it_approves_and_counts_it(every_rule, community_a):
    ids, _expected = every_rule
    moderation_check(ids[0])

    approved = ModerationItem.objects.filter(pk__in=ids, kind="idea", state=ItemState.APPROVED)
    approved_ideas = [item.idea for item in approved.select_related("idea")]
    assert len(approved_ideas) == 3
    assert all(idea.moderation_state == "approved" for idea in approved_ideas)
    assert all(IdeaStats.objects.get(pk=idea.pk).is_listed for idea in approved_ideas)
    assert {event.key for event in PointEvent.objects.filter(kind=PointKind.IDEA_APPROVED)} >= {
        f"idea:{idea.pk}" for idea in approved_ideas
    }
    held = ModerationItem.objects.filter(pk__in=ids, kind="idea", state=ItemState.HELD).select_related("idea")
    assert held.count() == 14
    assert not any(IdeaStats.objects.get(pk=item.idea_id).is_listed for item in held)
    comment = ModerationItem.objects.get(pk__in=ids, kind="comment").comment
    assert comment.moderation_state == "approved"
    assert IdeaStats.objects.get(pk=comment.idea_id).comments == 1


def test_a_duplicate_or_redelivered_message_changes_nothing(every_rule, django_assert_num_queries):
    ids, _expected = every_rule
    check_item(ids[0])
    before = decided(ids), list(ModerationItem.objects.filter(pk__in=ids).values_list("pk", "state", "decided_at"))

    for item_id in ids:  # each item's own message, then the first one again
        with django_assert_num_queries(1):
            assert check_item(item_id) is None
    with django_assert_num_queries(1):
        assert moderation_check(ids[0]) is None

    after = decided(ids), list(ModerationItem.objects.filter(pk__in=ids).values_list("pk", "state", "decided_at"))
    assert after == before


@pytest.mark.parametrize("count", [5, 40])
def test_a_batch_costs_a_fixed_number_of_queries_whatever_its_size(community_a, django_assert_max_num_queries, count):
    pre_moderated(community_a, new_member_hold_count=1, max_links=1)  # every read the rules can need
    members = [trusted_member(community_a, f"member-{n}") for n in range(count)]
    ids = [
        item_of(make_idea(community_a, member, title=f"Idée {n}", body=f"Texte {n}." + LINKS * (n % 2))).pk
        for n, member in enumerate(members)
    ]
    # 22 for 5 items and for 40: one outbox insert for all, one read of the webhook
    # endpoints per fact the batch publishes (its approvals, its holds), and one look for
    # ideas merged into the batch's (their pages would change too: ideas.services).
    with django_assert_max_num_queries(22):
        assert moderation_check(ids[0]) == "approve"
    assert all(automatic_decisions(item_id) == 1 for item_id in ids)


def test_items_of_a_community_that_asks_the_spam_checker_wait_for_their_own_check(
    settings, community_a, community_b, member_a, member_b
):
    settings.MODERATION_SPAM_CHECK_URL = "http://127.0.0.1:9/1.1/comment-check"  # nothing listens there
    pre_moderated(community_a)
    pre_moderated(community_b, use_spam_check=True)
    asks = item_of(make_idea(community_b, member_b, title="Une idée de B"))
    batch = [item_of(make_idea(community_a, member_a, title=f"Idée {n}")).pk for n in range(3)]

    assert moderation_check(batch[0]) == "approve"
    assert all(automatic_decisions(item_id) == 1 for item_id in batch)
    assert ModerationItem.objects.get(pk=asks.pk).state == ItemState.PENDING

    assert moderation_check(asks.pk) == "hold"  # alone: the checker did not answer
    assert ModerationItem.objects.get(pk=asks.pk).reason_codes() == ["spam_check_unavailable"]


def test_a_worker_remembers_a_bounded_number_of_settled_items():
    recent = RecentIds(3)
    recent.add_all((1, 2, 3))
    recent.add_all((4,))
    assert [item_id in recent for item_id in (1, 2, 3, 4, 5)] == [False, True, True, True, False]


# --- PostgreSQL: batches side by side --------------------------------------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_item_another_batch_holds_is_left_to_it(community_a, member_a, monkeypatch):
    pre_moderated(community_a)
    monkeypatch.setattr(moderation_services, "enqueue_check", lambda item_id: None)  # posts commit; no check yet
    ids = [item_of(make_idea(community_a, member_a, title=f"Idée {n}")).pk for n in range(4)]
    held, released = threading.Event(), threading.Event()

    def other_batch():  # holds the first item's row lock, as a batch in progress does
        with transaction.atomic():
            list(ModerationItem.objects.select_for_update().filter(pk=ids[0]))
            held.set()
            released.wait(timeout=10)
        connection.close()

    thread = threading.Thread(target=other_batch)
    thread.start()
    assert held.wait(timeout=10)
    try:
        result = moderation_check_batch(ids[0])
    finally:
        released.set()
        thread.join(timeout=10)

    assert result.outcome is None  # its own item was taken: left to the batch holding it
    assert sorted(result.settled) == ids[1:]
    assert ModerationItem.objects.get(pk=ids[0]).state == ItemState.PENDING
    assert moderation_check(ids[0]) == "approve"
    assert [automatic_decisions(item_id) for item_id in ids] == [1, 1, 1, 1]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_batches_racing_over_the_same_items_decide_each_once(settings, community_a, member_a, monkeypatch):
    settings.MODERATION_CHECK_BATCH_SIZE = 7
    pre_moderated(community_a, max_posts_per_hour=100)
    monkeypatch.setattr(moderation_services, "enqueue_check", lambda item_id: None)  # posts commit; no check yet
    ids = [item_of(make_idea(community_a, member_a, title=f"Idée {n}", body=f"Texte {n}.")).pk for n in range(40)]

    def messages(share: list[int]):
        return lambda: [moderation_check(item_id) for item_id in share]

    # Four workers, each with every item's message (duplicates included), in different orders.
    race([messages(ids), messages(ids[::-1]), messages(ids[1::2] + ids[::2]), messages(ids[20:] + ids[:20])])

    assert [automatic_decisions(item_id) for item_id in ids] == [1] * len(ids)
    assert set(ModerationItem.objects.filter(pk__in=ids).values_list("state", flat=True)) == {ItemState.APPROVED}
    assert Idea.objects.filter(community=community_a, moderation_state="approved").count() == len(ids)


# --- A real worker --------------------------------------------------------------------------


def drained(worker) -> list[str]:
    """The worker's output lines, read as they come: a full pipe would stop a chatty worker."""
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(worker.stdout), daemon=True).start()
    return lines


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_decides_many_posts_once_each_and_shrugs_off_repeated_messages(community_a, member_a):
    pre_moderated(community_a, max_links=1, max_posts_per_hour=1000)
    with celery_worker() as worker:
        log = drained(worker)
        ideas = []
        for n in range(150):  # each post commits, and queues its own check
            body = f"Texte numéro {n}." + (LINKS if n % 10 == 9 else "")
            ideas.append(make_idea(community_a, member_a, title=f"Idée {n}", body=body))
        ids = [item_of(idea).pk for idea in ideas]
        items = ModerationItem.objects.filter(pk__in=ids)
        try:
            wait_for(lambda: not items.filter(state=ItemState.PENDING).exists(), timeout=60)
        except AssertionError:
            pytest.fail("Items left pending; worker log:\n" + "".join(log[-60:]))

        for item_id in ids[::3]:  # redelivered or duplicate messages, and the sweeper's
            moderation_services.enqueue_check(item_id)
        assert moderation_sweep() == 0
        sentinel = make_idea(community_a, member_a, title="La dernière idée", body="Texte final.")
        wait_for(lambda: item_of(sentinel).state != ItemState.PENDING, timeout=30)

    assert [automatic_decisions(item_id) for item_id in ids] == [1] * len(ids)
    states = dict(items.values_list("pk", "state"))
    assert [states[item_id] for item_id in ids] == [
        ItemState.HELD if n % 10 == 9 else ItemState.APPROVED for n in range(len(ids))
    ]
    assert Idea.objects.filter(pk__in=[idea.pk for idea in ideas], moderation_state="approved").count() == 135
