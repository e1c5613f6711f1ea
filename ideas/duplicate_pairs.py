"""Likely duplicates: pairs of ideas whose titles are close, for moderators to merge or dismiss.

Finding uses `ideas_similar`, the suggestions members get while typing, so that a
moderator and a member see the same matches. A pair is recorded once
(`DuplicateCandidate`, unique per pair): finding again adds nothing, and a dismissed pair
stays dismissed. The review queue reads the recorded pairs of all its cards in one query,
so that its cost does not grow with the number of cards; they are found when an idea is
posted or edited (`ideas.find_duplicates`, queued after the commit) and each night for the
ideas of the last day (`ideas.find_recent_duplicates`), which also catches a lost task.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from community.models import Community
from ideas.exceptions import Refused
from ideas.models import DuplicateCandidate, Idea, ModerationState
from ideas.selectors import ideas_similar
from ideas.services import idea_merge, is_moderator

SHOWN_PER_IDEA = 3
# A pair is recorded for the moderators only from this score up (ideas.similarity.score):
# their list is a to-do list, where a weak resemblance costs a moderator's time; the box
# members see while typing shows less sure matches, which cost them nothing.
PAIR_FLOOR = 0.3
RECENT = timedelta(days=1)


def duplicates_find(*, idea: Idea, limit: int = SHOWN_PER_IDEA) -> int:
    """Record the older public ideas whose titles are closest to `idea`'s as its likely
    originals; return how many pairs are new. Idempotent (the unique pair). An idea
    already merged has nothing to find."""
    if idea.merged_into_id is not None:
        return 0
    # Only older ideas are originals (ids grow with time), so that a pair is recorded one
    # way round; twice as many are asked for, as the idea itself and newer ones are left out.
    found = [
        other
        for other in ideas_similar(idea.community, idea.title, body=idea.body, limit=limit * 2, exclude=idea.pk)
        if other.pk < idea.pk and getattr(other, "closeness", 0) >= PAIR_FLOOR
    ]
    rows = [
        DuplicateCandidate(
            community_id=idea.community_id,
            idea=idea,
            likely_original=other,
            score=getattr(other, "closeness", None),
        )
        for other in found[:limit]
    ]
    if not rows:
        return 0
    known = set(
        DuplicateCandidate.objects.filter(
            idea=idea, likely_original__in=[row.likely_original for row in rows]
        ).values_list("likely_original_id", flat=True)
    )
    DuplicateCandidate.objects.bulk_create(rows, ignore_conflicts=True)
    return len([row for row in rows if row.likely_original.pk not in known])


def duplicates_find_recent(*, community: Community | None = None, since: timedelta = RECENT) -> int:
    """`duplicates_find` for every unmerged idea created or edited within `since` (of one
    community, else of all); return how many pairs are new. Held and hidden ideas are
    looked at too: a moderator deciding one wants to know it repeats a public idea."""
    recent = Idea.objects.filter(updated_at__gte=timezone.now() - since, merged_into=None).select_related("community")
    if community is not None:
        recent = recent.filter(community=community)
    return sum(duplicates_find(idea=idea) for idea in recent.order_by("pk").iterator(chunk_size=200))


def _open_pairs() -> QuerySet[DuplicateCandidate]:
    """Pairs still worth showing: not dismissed, both ideas unmerged, the original public."""
    return DuplicateCandidate.objects.filter(
        dismissed_at=None,
        idea__merged_into=None,
        likely_original__merged_into=None,
        likely_original__moderation_state=ModerationState.APPROVED,
    )


def likely_originals_of(ideas: Iterable[Idea], *, limit: int = SHOWN_PER_IDEA) -> dict[int, list[Idea]]:
    """{idea id: its likely originals, closest first}, for all `ideas` in one query."""
    ids = [idea.pk for idea in ideas]
    if not ids:
        return {}
    found: dict[int, list[Idea]] = {}
    pairs = (
        _open_pairs()
        .filter(idea_id__in=ids)
        .select_related("likely_original")
        .only("idea_id", "score", "likely_original__title", "likely_original__slug")
        .order_by("idea_id", "-score", "likely_original_id")
    )
    for pair in pairs:
        originals = found.setdefault(pair.idea_id, [])
        if len(originals) < limit:
            originals.append(pair.likely_original)
    return found


def duplicate_merge(*, duplicate: Idea, original_id: int, user: User):
    """Merge `duplicate` into the idea `original_id` of its community (`idea_merge` checks
    the rest: a moderator, a public unmerged original); its pairs are then settled."""
    original = Idea.objects.filter(community_id=duplicate.community_id, pk=original_id).first()
    if original is None:
        raise Refused(_("This idea is not one of this community’s."), status=404)
    with transaction.atomic():
        merge = idea_merge(duplicate=duplicate, original=original, user=user)
        _settle(DuplicateCandidate.objects.filter(idea=duplicate), user)
    return merge


def duplicates_dismiss(*, pairs: QuerySet[DuplicateCandidate], user: User) -> int:
    """Dismiss the pairs of `pairs` in communities `user` moderates; return how many."""
    communities = Community.objects.filter(pk__in=pairs.values("community_id"))
    allowed = [community.pk for community in communities if is_moderator(user, community)]
    return _settle(pairs.filter(community_id__in=allowed), user)


def _settle(pairs: QuerySet[DuplicateCandidate], user: User) -> int:
    # A merged pair is settled as a dismissed one is: neither is suggested again.
    return pairs.filter(dismissed_at=None).update(dismissed_at=timezone.now(), dismissed_by=user)
