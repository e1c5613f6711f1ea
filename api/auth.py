"""Who calls the API, for which community, with which powers.

Two ways in (docs/api.md):
- `Authorization: Bearer <key>`: an API key of one community. The request is about the
  key's community whatever the host. Writes act as the key's creator (their role there
  decides, as on the site), limited to the key's scopes. Reads see what a visitor sees,
  unless the key has the `moderation` scope: then what its creator sees.
- A member's session (the site's own scripts): the host's community, the member's role,
  CSRF enforced on unsafe methods; staff powers need a session that used a second factor,
  exactly as on the site (accounts.mfa).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer

from accounts.mfa import staff_power_allowed
from accounts.models import User
from api.errors import ApiError
from api.keys import api_key_find
from api.models import ApiKey, Scope
from api.ratelimit import limit_for_key, limit_for_member, rate_check
from community.models import Community
from ideas.services import is_moderator

SESSION_SCOPES = frozenset(Scope.values)


@dataclass
class Caller:
    community: Community
    actor: User  # who writes: the member, or the key's creator
    viewer: User | AnonymousUser  # whose eyes reads use
    scopes: frozenset[str]
    key: ApiKey | None = None
    second_factor: bool = True  # False: a staff session without it (no staff powers)

    @property
    def is_session(self) -> bool:
        return self.key is None


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("throttled")
        self.retry_after = retry_after


def _throttle(caller_id: str, limit: int) -> None:
    verdict = rate_check(caller_id, limit=limit)
    if not verdict.allowed:
        raise Throttled(verdict.retry_after)


def _enter(request: HttpRequest, caller: Caller) -> Caller:
    """Make the selectors of the site, which read `request.community` and `request.user`,
    read the API's caller."""
    request.community = caller.community
    request.user = caller.viewer
    request.caller = caller
    return caller


class KeyAuth(HttpBearer):
    """`Authorization: Bearer clt_…`. A header that is there but wrong is a 401, never a
    fall-back to the session."""

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _space, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, _("Send the API key as “Authorization: Bearer <key>”."))
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        key = api_key_find(token, community=getattr(request, "community", None))
        if key is None:
            raise ApiError(401, _("Unknown, expired or revoked API key."))
        creator = key.created_by
        if creator is None or not creator.is_active or creator.deleted_at is not None:
            raise ApiError(401, _("The account that created this API key is no longer active."))
        if not key.community.is_active:
            raise ApiError(401, _("This community is closed."))
        _throttle(f"key:{key.pk}", limit_for_key())
        scopes = frozenset(key.scopes)
        # A moderator's key sees held and hidden content only with the moderation scope;
        # anyone else's sees what they see on the site (the public, and their own posts).
        moderator = is_moderator(creator, key.community)
        viewer = creator if Scope.MODERATION in scopes or not moderator else AnonymousUser()
        return _enter(request, Caller(community=key.community, actor=creator, viewer=viewer, scopes=scopes, key=key))


class SessionAuth(APIKeyCookie):
    """The member's own session cookie; ninja checks CSRF on unsafe methods first."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = request.user
        community = getattr(request, "community", None)
        if not user.is_authenticated or community is None:
            return None
        _throttle(f"user:{user.pk}", limit_for_member())
        caller = Caller(
            community=community,
            actor=user,
            viewer=user,
            scopes=SESSION_SCOPES,
            second_factor=staff_power_allowed(request),
        )
        return _enter(request, caller)


def caller_of(request: HttpRequest) -> Caller:
    return request.caller
