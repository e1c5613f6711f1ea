"""Writes for communities: creation with the default vocabulary, cache invalidation."""

from __future__ import annotations

from typing import Any

from django.db import transaction

import events
from accounts.models import User
from community.cache import community_cache_clear
from community.models import Community, Membership, Role, Status
from community.selectors import role_remember

# PRODUCT.md §3: the statuses every new community starts with.
# (slug, French, English, colour, closed, on the roadmap)
DEFAULT_STATUSES: tuple[tuple[str, str, str, str, bool, bool], ...] = (
    ("new", "Nouvelle", "New", "#4b5563", False, False),
    ("under-review", "À l’étude", "Under review", "#7c3aed", False, False),
    ("planned", "Prévue", "Planned", "#1d4ed8", False, True),
    ("in-progress", "En cours", "In progress", "#b45309", False, True),
    ("done", "Réalisée", "Done", "#15803d", True, True),
    ("declined", "Refusée", "Declined", "#b91c1c", True, False),
    ("duplicate", "Doublon", "Duplicate", "#6b7280", True, False),
)


def statuses_create_defaults(*, community: Community) -> list[Status]:
    """Give a community the default statuses it lacks; existing ones are left as edited."""
    statuses = []
    for order, (slug, name_fr, name_en, color, is_closed, on_roadmap) in enumerate(DEFAULT_STATUSES):
        status, _created = Status.objects.get_or_create(
            community=community,
            slug=slug,
            defaults={
                "name_fr": name_fr,
                "name_en": name_en,
                "color": color,
                "is_closed": is_closed,
                "on_roadmap": on_roadmap,
                "order": order * 10,
            },
        )
        statuses.append(status)
    return statuses


@transaction.atomic
def community_create(*, name: str, slug: str, **fields: Any) -> Community:
    """Create a community with its default statuses."""
    community = Community(name=name, slug=slug, **fields)
    community.full_clean()
    community.save()
    statuses_create_defaults(community=community)
    community_cache_clear()
    return community


def membership_join(*, community: Community, user: User) -> Membership:
    """Make the user a member of the community; an existing role is kept as it is."""
    membership, created = Membership.objects.get_or_create(
        community=community, user=user, defaults={"role": Role.MEMBER}
    )
    role_remember(user, community, membership.role)  # for the rest of the request
    if created:
        events.publish("member.joined", community_id=community.pk, subject=user)
    return membership
