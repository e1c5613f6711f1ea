"""The signed-in member as every request needs them: their row and every role they hold,
read from the cache (config.rowcache) instead of two queries, under a write marker that
any change to the row or to their memberships replaces.

The marker is replaced from model signals rather than from the services: the account row
is written from many places outside them (allauth's sign-in and password flows, the admin,
`update_last_login`), and a missed write would be a member still signed in after being
deactivated, or keeping a role they lost. Queryset `update()`s send no signal: their
callers call `member_changed` themselves.

The request's user is still checked as Django checks it (`accounts.middleware`): the
backend must accept the account (`is_active`) and the session's hash must match the
password, so a password change signs out the other sessions at their next request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from accounts.models import User
from community.models import Membership
from community.selectors import roles_remember_all
from config import rowcache


def _marker(user_id: int) -> str:
    return f"member:{user_id}"


def member_changed(user_id: int) -> None:
    """The member's row or roles changed: their next request reads them afresh."""
    rowcache.markers_changed([_marker(user_id)])


def _load(user_id: int) -> tuple[User, dict[int, str]] | None:
    user = User._default_manager.filter(pk=user_id).first()
    if user is None:
        return None
    return user, dict(Membership.objects.filter(user_id=user_id).values_list("community_id", "role"))


# Rows that a signed-in request reads besides the member, given by the apps that own them
# (notifications.apps: the header's unread count): read in the member's round trip and
# left on the request (`read_ahead`) for their readers.
_READ_ALONG: list[Callable[[HttpRequest, int], rowcache.Row | None]] = []
_READ_AHEAD = "_rows_read_ahead"


def read_along(row_of: Callable[[HttpRequest, int], rowcache.Row | None]) -> None:
    """Read `row_of(request, user id)` (a Row, or None) with each request's member."""
    if row_of not in _READ_ALONG:
        _READ_ALONG.append(row_of)


def read_ahead(request: HttpRequest | None) -> rowcache.ReadAhead | None:
    """What was read along with the request's member, if anything."""
    return getattr(request, _READ_AHEAD, None)


def member_cached(user_id: int, request: HttpRequest | None = None) -> User | None:
    """The account with every role it holds remembered (`role_in` asks nothing), or None;
    with `request`, the rows `read_along` asks for are read in the same round trip."""
    along = [row for row in (row_of(request, user_id) for row_of in _READ_ALONG) if row is not None] if request else []
    along = [row._replace(load=None) for row in along]  # what is cached only: their readers may never come
    since = rowcache.changes()
    found, *others = rowcache.cached_rows(
        [rowcache.Row(_marker(user_id), lambda: _load(user_id), _marker(user_id)), *along]
    )
    if along:
        setattr(
            request,
            _READ_AHEAD,
            rowcache.ReadAhead({row.key: value for row, value in zip(along, others, strict=True)}, since),
        )
    if found is None:
        return None
    user, roles = found
    roles_remember_all(user, roles)
    return user


def request_user(request: HttpRequest) -> User | AnonymousUser:
    """The request's user, once per request (as django.contrib.auth.middleware.get_user)."""
    if not hasattr(request, "_cached_user"):
        request._cached_user = _session_user(request)
    return request._cached_user


def _session_user(request: HttpRequest) -> User | AnonymousUser:
    """django.contrib.auth.get_user, with the account from `member_cached`."""
    try:
        user_id = User._meta.pk.to_python(request.session[SESSION_KEY])
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    backend = load_backend(backend_path)
    if not isinstance(backend, ModelBackend) or type(backend).get_user is not ModelBackend.get_user:
        return get_user(request)  # a backend that finds its users its own way: Django's path
    user = member_cached(user_id, request)
    if user is None or not backend.user_can_authenticate(user):
        return AnonymousUser()
    if not _session_verified(request, user):
        return AnonymousUser()
    return user


def _session_verified(request: HttpRequest, user: User) -> bool:
    """Whether the session was opened with the account's current password (Django's check,
    SECRET_KEY_FALLBACKS included). A session that fails it is flushed."""
    session_hash = request.session.get(HASH_SESSION_KEY)
    if session_hash and constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    if session_hash and any(
        constant_time_compare(session_hash, fallback) for fallback in user.get_session_auth_fallback_hash()
    ):
        request.session.cycle_key()
        request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        return True
    request.session.flush()
    return False


def _user_saved(sender, instance: User, **kwargs) -> None:
    member_changed(instance.pk)


def _membership_saved(sender, instance: Membership, **kwargs) -> None:
    member_changed(instance.user_id)


def connect() -> None:
    """Replace a member's marker at every write of their row or memberships (AppConfig.ready)."""
    post_save.connect(_user_saved, sender=User, dispatch_uid="accounts.member_cache.user_saved")
    post_delete.connect(_user_saved, sender=User, dispatch_uid="accounts.member_cache.user_deleted")
    post_save.connect(_membership_saved, sender=Membership, dispatch_uid="accounts.member_cache.membership_saved")
    post_delete.connect(_membership_saved, sender=Membership, dispatch_uid="accounts.member_cache.membership_deleted")
