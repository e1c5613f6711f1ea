"""Whether a member may take part: the sanctions in force, and how to tell them.

Read by every layer that accepts contributions (ideas, comments, reports), so it sits in the
community's core; moderators impose sanctions in `community.moderation.services`.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from accounts.models import User
from community.models import Community, Sanction


def active_sanction(user: User, community: Community) -> Sanction | None:
    if not user.is_authenticated:
        return None
    now = timezone.now()
    return (
        Sanction.objects.filter(user=user, community=community, lifted_at=None)
        .filter(Q(kind=Sanction.Kind.BAN) | Q(until__gt=now))
        .order_by("-created_at")
        .first()
    )


def sanction_message(sanction: Sanction) -> str:
    if sanction.kind == Sanction.Kind.BAN:
        return _("You can no longer take part in this community: %(reason)s") % {"reason": sanction.reason}
    until = timezone.localtime(sanction.until)
    return _("Your participation in this community is suspended until %(date)s at %(time)s: %(reason)s") % {
        "date": date_format(until, "DATE_FORMAT"),
        "time": time_format(until, "TIME_FORMAT"),
        "reason": sanction.reason,
    }
