"""Reads for communities: which community a host serves, who holds which role."""

from __future__ import annotations

import logging
import statistics
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http.request import split_domain_port

from accounts.models import User
from community.cache import versioned
from community.models import STAFF_ROLES, Community, Membership, ModerationDecision, Role

logger = logging.getLogger(__name__)

_NO_COMMUNITY = "none"


def normalize_host(host: str) -> str:
    """Lower-case host without port or trailing dot ("Idees.Example.com.:8000" -> "idees.example.com")."""
    domain, _port = split_domain_port(host.strip())
    return domain.rstrip(".")


def community_url(community: Community | None, path: str = "") -> str:
    """The absolute address of `path` on the community's own site: every link that leaves
    the site (e-mails, feeds, sitemap, exports, allauth's e-mails) is built here.

    The host is the community's domain, or SITE_HOST for a community without one (the
    embedded default, where `make run` sets it to the address it serves); the scheme is
    https in production, http under DEBUG.
    """
    if community is not None:
        return community.absolute_url(path)
    return f"{settings.SITE_SCHEME}://{settings.SITE_HOST}{path}"


def community_for_host(host: str) -> Community | None:
    """The community serving a host: its own by domain, else the default one.

    An inactive community is returned as is (the middleware answers for it); an unknown
    host gets the default community. Cached per host (see community.cache); any change in
    admin invalidates.
    """
    host = normalize_host(host)
    found = versioned(
        f"host:{host}",
        lambda: _community_from_database(host) or _NO_COMMUNITY,
        timeout=settings.COMMUNITY_CACHE_SECONDS,
    )
    return None if found == _NO_COMMUNITY else found


def _community_from_database(host: str) -> Community | None:
    return Community.objects.filter(domain=host).first() or Community.objects.filter(is_default=True).first()


def communities_with_role(user: User, roles: tuple[str, ...] = STAFF_ROLES) -> QuerySet[Community]:
    """Communities where the user holds one of the roles; every community for superusers."""
    if user.is_superuser:
        return Community.objects.all()
    if not user.is_authenticated:
        return Community.objects.none()
    return Community.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()


def _memo(user: User) -> dict:
    """Where roles are remembered for the request: the user object's own attributes, not
    those of `request.user`'s lazy wrapper, which has its own."""
    return vars(getattr(user, "_wrapped", user))


def role_in(user: User, community: Community) -> str | None:
    """The user's role in the community, remembered on the user object for the request."""
    if not user.is_authenticated:
        return None
    memo = _memo(user)
    remembered = memo.setdefault("_roles_by_community", {})
    if community.pk not in remembered:
        if memo.get("_roles_complete"):  # every role came with the user: none here
            return None
        remembered[community.pk] = (
            Membership.objects.filter(user=user, community=community).values_list("role", flat=True).first()
        )
    return remembered[community.pk]


def role_query(user: User, community: Community) -> QuerySet[Membership]:
    """The user's role in the community as a one-value queryset, for a query that reads it
    along with something else (then `role_remember` it)."""
    return Membership.objects.filter(user=user, community=community).order_by("pk").values("role")[:1]


def role_remember(user: User, community: Community, role: str | None) -> None:
    """Remember a role read along with another query: `role_in` then need not ask."""
    if user.is_authenticated:
        _memo(user).setdefault("_roles_by_community", {})[community.pk] = role


def roles_remember_all(user: User, roles: dict[int, str]) -> None:
    """Remember every role the user holds, by community id (read with the user, see
    accounts.member_cache): `role_in` then never asks, and a community missing from
    `roles` is one where the user holds none."""
    memo = _memo(user)
    memo["_roles_by_community"] = dict(roles)
    memo["_roles_complete"] = True


def is_community_admin(user: User, community: Community) -> bool:
    return user.is_superuser or role_in(user, community) == Role.ADMIN


# --- Moderation waits (the idea page tells the author of held content) -----------------


def _typical_wait_key(community: Community) -> str:
    return f"moderation:typical-wait:{community.pk}"


def typical_wait_forget(community: Community) -> None:
    """A moderator decided: the next reader computes the wait again."""
    cache.delete(_typical_wait_key(community))


def typical_wait(community: Community) -> timedelta | None:
    """The median time from submission to a moderator's decision, over the last 50."""
    key = _typical_wait_key(community)
    try:
        cached = cache.get(key)
    except Exception:
        cached = None
    if cached is not None:
        return None if cached == -1 else timedelta(seconds=cached)
    rows = ModerationDecision.objects.filter(item__community=community, automatic=False).order_by("-created_at")[:50]
    waits = [(row.created_at - row.item.created_at).total_seconds() for row in rows.select_related("item")]
    seconds = statistics.median(waits) if waits else -1
    try:
        cache.set(key, seconds, timeout=300)
    except Exception:
        logger.warning("Cache unavailable for the typical wait", exc_info=True)
    return None if seconds == -1 else timedelta(seconds=seconds)
