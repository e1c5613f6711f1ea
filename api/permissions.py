"""What a caller may do: the key's scope AND the site's role rule for its acting user.

The role rules are the site's own (ideas.services, ideas.responses, the moderation
services); this module only adds the scope, and the second factor for staff sessions.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from api.auth import Caller
from api.errors import ApiError
from community.models import STAFF_ROLES, Community
from community.selectors import is_community_admin, role_in
from ideas.responses import can_speak_for
from ideas.services import is_moderator


def require_scope(caller: Caller, scope: str) -> None:
    if scope not in caller.scopes:
        raise ApiError(403, _("This API key lacks the “%(scope)s” scope.") % {"scope": scope})


def require_staff_power(caller: Caller) -> None:
    """A staff act through a session needs the second factor, as on the site's pages."""
    if not caller.second_factor:
        raise ApiError(
            403,
            _("This needs your second factor: confirm it on the site, then try again."),
        )


def is_staff_of(user: User, community: Community) -> bool:
    return user.is_authenticated and (user.is_superuser or role_in(user, community) in STAFF_ROLES)


def require_acting_for_members(caller: Caller) -> None:
    """Posting or voting in a member's name: staff of the community (moderators, brand
    managers, admins) recording what a customer asked them, never a member's own key."""
    if not is_staff_of(caller.actor, caller.community):
        raise ApiError(403, _("Only the community's staff can act on a member's behalf."))
    require_staff_power(caller)


def require_moderator(caller: Caller) -> None:
    require_scope(caller, "moderation")
    if not is_moderator(caller.actor, caller.community):
        raise ApiError(403, _("Only moderators can do this."))
    require_staff_power(caller)


def require_speaker(caller: Caller) -> None:
    require_scope(caller, "write:responses")
    if not can_speak_for(caller.actor, caller.community):
        raise ApiError(403, _("Only the brand's managers can answer officially."))
    require_staff_power(caller)


def require_status_changer(caller: Caller) -> None:
    """Statuses move through the admin (moderators, admins) or a response (managers)."""
    require_scope(caller, "write:responses")
    if not (is_moderator(caller.actor, caller.community) or can_speak_for(caller.actor, caller.community)):
        raise ApiError(403, _("Only moderators and the brand's managers change statuses."))
    require_staff_power(caller)


def may_read_emails(caller: Caller) -> bool:
    return "admin" in caller.scopes and is_community_admin(caller.actor, caller.community) and caller.second_factor
