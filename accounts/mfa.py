"""Two-factor authentication for staff: the one place that says who needs a second
factor, whether this session used one, and where to go first when it did not.

Staff — superusers, `is_staff` accounts, and anyone holding a staff role (moderator, brand
manager, community admin) in a community — reach /admin/ and /manage/ only from a session
that signed in with a second factor (allauth records each authentication step in the
session). Without an authenticator they are sent to enrol (`mfa_required`); with one but a
password-only session (signed in before enrolling, say), to confirm with it.

The same staff roles used from public pages (the official-response form, moderators editing
or deleting others' content) need the same: `staff_power_allowed` says whether they may,
`second_factor_url` where to go, and what was typed is kept for after (`typed_keep`).
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from community.models import STAFF_ROLES, Membership

# Authenticators that are a second factor by themselves; recovery codes only stand in.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Where a staff member who was sent to enrol goes back to once done.
PENDING_NEXT_SESSION_KEY = "accounts_mfa_next"
# What a staff member typed in a form refused for want of a second factor (typed_keep).
TYPED_SESSION_KEY = "accounts_mfa_typed"


def mfa_required_for(user) -> bool:
    """Whether the account must use a second factor before staff pages open."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return Membership.objects.filter(user=user, role__in=STAFF_ROLES).exists()


def session_used_mfa(request: HttpRequest) -> bool:
    """Whether the signed-in user passed a second factor in this session (signing in, or
    confirming access since)."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def is_staff_page(path: str) -> bool:
    """Whether `path` (the request's, script prefix included, as reversed addresses) is a
    staff page."""
    admin, sign_in_and_out, console = _staff_addresses(get_script_prefix())
    if path.startswith(admin):
        # Signing in and out lead to allauth's own pages (config/urls.py).
        return path not in sign_in_and_out
    return path.startswith(console)


@lru_cache(maxsize=16)
def _staff_addresses(prefix: str) -> tuple[str, tuple[str, str], str]:
    # Per script prefix (`reverse` writes the active one): asked at every request.
    return reverse("admin:index"), (reverse("admin:login"), reverse("admin:logout")), reverse("manage:console")


def staff_mfa_redirect(request: HttpRequest) -> str | None:
    """Where a request for a staff page must go first, or None when it may proceed."""
    if not is_staff_page(request.path):
        return None
    if session_used_mfa(request):  # read from the session: no query on staff's every page
        request.session.pop(PENDING_NEXT_SESSION_KEY, None)  # arrived: no more "continue" link
        return None
    if not mfa_required_for(request.user):
        return None
    return second_factor_url(request, request.get_full_path())


def second_factor_url(request: HttpRequest, next_url: str) -> str:
    """Where the signed-in staff member uses a second factor, then comes back to `next_url`:
    enrol (`mfa_required`) without an authenticator; else confirm with an app code (or a
    recovery code), else with a security key."""
    user = request.user
    query = urlencode({"next": next_url})
    if not is_mfa_enabled(user, SECOND_FACTORS):
        return f"{reverse('mfa_required')}?{query}"
    if is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]):
        return f"{reverse('mfa_reauthenticate')}?{query}"
    return f"{reverse('mfa_reauthenticate_webauthn')}?{query}"


def staff_power_allowed(request: HttpRequest) -> bool:
    """Whether the signed-in user may use a staff role's power from a public page (answer in
    the brand's name, edit or delete others' content): always when the account needs no
    second factor (a member), for staff once this session used one. The session is read
    first: no query for staff who confirmed."""
    return session_used_mfa(request) or not mfa_required_for(request.user)


def typed_keep(request: HttpRequest, *, path: str, data: dict[str, str]) -> None:
    """Keep what a staff member typed in a form refused for want of a second factor: the
    form at `path` shows it again once the session used one (`typed_take`)."""
    request.session[TYPED_SESSION_KEY] = {"path": path, "data": data}


def typed_take(request: HttpRequest, path: str) -> dict[str, str] | None:
    """What `typed_keep` kept for the form at `path`, once only, and only after this
    session used a second factor (before, the refused page still shows it)."""
    kept = request.session.get(TYPED_SESSION_KEY)
    if not kept or kept.get("path") != path or not session_used_mfa(request):
        return None
    del request.session[TYPED_SESSION_KEY]
    return kept["data"]


def safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return None


def first_second_factor_added(*, request: HttpRequest | None, user, authenticator: Authenticator) -> None:
    """An account's first authenticator app or security key counts as this session's second
    factor: enrolling proved the code or the key, after allauth asked for the password
    again. A later one does not (it could be added from a password-only session)."""
    if request is None or authenticator.type not in SECOND_FACTORS:
        return
    others = Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exclude(pk=authenticator.pk)
    if others.exists():
        return
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, enrolled=True)


def pending_next(request: HttpRequest) -> str | None:
    """The staff page a member enrolling from `mfa_required` is heading back to."""
    return request.session.get(PENDING_NEXT_SESSION_KEY)
