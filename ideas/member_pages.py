"""A member's own parts of a page shared by every member (config.pagecache, `members=`).

A listing or an idea page reads the same for every plain member but for a few parts: their
vote on each idea shown, their follow, their picture by the comment form, the account menu.
The page is rendered once with markers for those parts; each reader's are filled from one
query (their votes on the ideas found in the page) or none (the idea page reads the state
it needs while deciding whether the reader may share it).

A reader who would see more than those parts gets a page of their own: staff, moderators,
brand managers and admins (tools of their role), the idea's author (edit), a member who
reported the idea or a comment ("Reported"), who commented (their held comments, their
edit links), or who voted, commented or followed within LISTING_COUNTS_SECONDS (their
listings must show it at once, community.cache).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from django.template import engines
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from community.cache import acted_key
from community.selectors import role_in
from config.pagecache import MemberParts, member_slots_of
from config.slots import Slots
from ideas import selectors
from ideas.selectors import MemberState

VOTE_PARTS = ("c", "a", "p", "l")  # the current value, the active class, aria-pressed, the label
FOLLOW_PARTS = ("p", "l")  # aria-pressed, the label


class PartSlots:
    """The markers standing for one idea's part (`prefix`, "v12": the vote on idea 12) in a
    shared rendering; templates read them through `vote_state` and `follow_state`."""

    def __init__(self, slots: Slots, prefix: str) -> None:
        self.slots = slots
        self.prefix = prefix

    def __getitem__(self, name: str) -> str:
        return self.slots[f"{self.prefix}{name}"]


class VoteView(NamedTuple):
    current: str
    active: str
    pressed: str
    label: str


class FollowView(NamedTuple):
    pressed: str
    label: str


def vote_parts(value: int | None) -> VoteView:
    """What the vote button shows of the member's vote (escaped)."""
    return _vote_parts(value, get_language())


@lru_cache(maxsize=64)
def _vote_parts(value: int | None, language: str) -> VoteView:
    # `language`, the active one, is only part of the key (a listing asks for 20 at a time).
    voted = value == 1
    return VoteView(
        current=str(value or 0),
        active=" is-active" if voted else "",
        pressed="true" if voted else "false",
        label=escape(_("Remove my vote") if voted else _("Vote for this idea")),
    )


def follow_parts(following: bool) -> FollowView:
    """What the follow button shows of the member's follow (escaped)."""
    return _follow_parts(following, get_language())


@lru_cache(maxsize=64)
def _follow_parts(following: bool, language: str) -> FollowView:
    return FollowView(
        pressed="true" if following else "false", label=escape(_("Following") if following else _("Follow"))
    )


def vote_view(mine) -> VoteView:
    """The vote button's parts: markers in a shared rendering, else the member's vote."""
    if isinstance(mine, PartSlots):
        return VoteView(*(mine[name] for name in VOTE_PARTS))
    return vote_parts(mine)


def follow_view(mine) -> FollowView:
    if isinstance(mine, PartSlots):
        return FollowView(*(mine[name] for name in FOLLOW_PARTS))
    return follow_parts(bool(mine))


def _vote_values(idea_id: int, value: int | None) -> dict[str, str]:
    return {f"v{idea_id}{name}": part for name, part in zip(VOTE_PARTS, vote_parts(value), strict=True)}


def plain_member(request) -> bool:
    """A member whose pages show no tools of a role (the role is usually known already)."""
    user = request.user
    if not user.is_active or user.is_staff or user.is_superuser:
        return False
    return role_in(user, request.community) in (None, "member")


_VOTE_SLOT = re.compile(r"v(\d+)c")  # the current value of the vote on an idea shown


class ListingParts:
    """The member's votes on the ideas of a shared listing (list, home, roadmap); a member
    who acted within LISTING_COUNTS_SECONDS gets their own (`unless_cached`, read with the
    page)."""

    def __init__(self, user, community_id: int) -> None:
        self.user = user
        self.unless_cached = (acted_key(community_id, user.pk),)

    def values(self, names: Collection[str]) -> dict[str, str]:
        ids = sorted(int(found.group(1)) for found in map(_VOTE_SLOT.fullmatch, names) if found)
        votes = selectors.member_votes_by_id(self.user, ids)
        values: dict[str, str] = {}
        for idea_id in ids:
            values.update(_vote_values(idea_id, votes.get(idea_id)))
        return values


_AVATAR = engines["django"].from_string("{% load members %}{% avatar user 36 %}")


@lru_cache(maxsize=4096)
def _avatar(username: str, name: str, picture: str) -> str:
    """The member's picture by the comment form, kept per process for what it shows."""
    return _AVATAR.render({"user": {"username": username, "public_name": name, "avatar": picture}})


@dataclass(frozen=True)
class IdeaParts:
    """The member's vote and follow on the idea of a shared idea page, and their picture."""

    user: object
    idea_id: int
    state: MemberState
    unless_cached: tuple[str, ...] = ()

    def values(self, names: Collection[str]) -> dict[str, str]:
        values = _vote_values(self.idea_id, self.state.vote)
        follow = follow_parts(self.state.following)
        values.update({f"f{self.idea_id}{name}": part for name, part in zip(FOLLOW_PARTS, follow, strict=True)})
        user = self.user
        values["avatar"] = _avatar(user.username, user.public_name, user.avatar.url if user.avatar else "")
        return values


def listing_reader(request) -> MemberParts | None:
    """The member's parts of a shared listing, or None if they need their own (whether
    they acted lately is read with the page: ListingParts)."""
    if not plain_member(request):
        return None
    return ListingParts(request.user, request.community.pk)


def idea_reader(request) -> MemberParts | None:
    """The member's parts of a shared idea page, or None if they need their own (one query
    for their vote, follow, reports and comments on it)."""
    if not plain_member(request):
        return None
    pk = request.resolver_match.kwargs["pk"]
    idea = selectors.public_idea(request.community, pk)
    if idea is None or idea.author_id == request.user.pk:
        return None
    state = selectors.member_state(request.user, idea)
    if state.flagged_idea or state.flagged_comments or state.commented:
        return None
    return IdeaParts(request.user, idea.pk, state)


def idea_page_parts(request, idea_id: int) -> tuple[PartSlots, PartSlots] | None:
    """In a members' shared rendering of an idea page, the markers of the vote and follow."""
    slots = member_slots_of(request)
    if slots is None:
        return None
    return PartSlots(slots, f"v{idea_id}"), PartSlots(slots, f"f{idea_id}")


def listing_vote_slots(request, idea_ids) -> dict[int, PartSlots] | None:
    """In a members' shared rendering of a listing, the markers of the votes shown."""
    slots = member_slots_of(request)
    if slots is None:
        return None
    return {idea_id: PartSlots(slots, f"v{idea_id}") for idea_id in idea_ids}
