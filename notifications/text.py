"""What a notification says, in the active language, from the data frozen in its row.

One function serves the inbox, the immediate e-mail and the digest, so that they never
tell the same event in different words.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import Badge
from notifications.models import Kind


@dataclass(frozen=True)
class Wording:
    headline: str
    quote: str = ""  # the words of the event: an excerpt, the title of the content
    note_label: str = ""
    note: str = ""  # a reason, a moderator's message
    lines: tuple[tuple[str, str], ...] = ()  # (text, path) pairs: the ideas of a reminder


def _status_name(data: dict) -> str:
    english = (get_language() or "fr").startswith("en")
    return data.get("status_en" if english else "status_fr") or data.get("status_fr") or ""


def describe(kind: str, data: dict, community_name: str) -> Wording:
    names = {"actor": data.get("actor") or _("A member"), "title": data.get("title", ""), "community": community_name}
    if kind == Kind.RESPONSE:
        headline = _("%(actor)s answered officially on “%(title)s”") % names
        status = _status_name(data)
        return Wording(
            headline,
            data.get("excerpt", ""),
            _("New status:") if status else "",
            status,
        )
    if kind == Kind.STATUS:
        headline = _("“%(title)s” is now “%(status)s”") % {**names, "status": _status_name(data)}
        return Wording(headline, "", _("Reason:") if data.get("reason") else "", data.get("reason", ""))
    if kind == Kind.COMMENT_ON_MINE:
        return Wording(_("%(actor)s commented on your idea “%(title)s”") % names, data.get("excerpt", ""))
    if kind == Kind.COMMENT_FOLLOWED:
        return Wording(_("%(actor)s commented on “%(title)s”") % names, data.get("excerpt", ""))
    if kind == Kind.REPLY:
        return Wording(_("%(actor)s replied to your comment on “%(title)s”") % names, data.get("excerpt", ""))
    if kind == Kind.MENTION:
        return Wording(_("%(actor)s mentioned you on “%(title)s”") % names, data.get("excerpt", ""))
    if kind == Kind.MODERATION:
        outcome = data.get("outcome")
        if outcome == "approve":
            headline = _("The moderators of %(community)s have published your post:") % names
        elif outcome == "reject":
            headline = _("The moderators of %(community)s did not publish your post:") % names
        else:
            headline = _("The moderators of %(community)s have hidden your post:") % names
        message = data.get("message", "")
        return Wording(headline, data.get("title", ""), _("Their message:") if message else "", message)
    if kind == Kind.BADGE:
        slug = data.get("badge_slug", "")
        name = str(Badge(slug).label) if slug in Badge.values else data.get("badge", "")
        return Wording(_("You earned the badge “%(badge)s”") % {"badge": name})
    total = data.get("total", 0)
    headline = ngettext(
        "%(count)s idea awaits a response in %(community)s, oldest first:",
        "%(count)s ideas await a response in %(community)s, oldest first:",
        total,
    ) % {"count": total, "community": community_name}
    lines = tuple(
        (
            ngettext("%(title)s (%(votes)s vote)", "%(title)s (%(votes)s votes)", idea["votes"])
            % {"title": idea["title"], "votes": idea["votes"]},
            idea["url"],
        )
        for idea in data.get("ideas", [])
    )
    return Wording(headline, lines=lines)
