"""What a notification says, in the active language, from the data frozen in its row.

One function serves the inbox, the immediate e-mail and the digest, so that they never
tell the same event in different words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format, time_format
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
    subject: str = ""  # an e-mail's subject where the headline, ending in ":", leads to the quote

    @property
    def email_subject(self) -> str:
        return self.subject or self.headline


def _status_name(data: dict) -> str:
    english = (get_language() or "fr").startswith("en")
    return data.get("status_en" if english else "status_fr") or data.get("status_fr") or ""


def _moment(iso: str) -> dict:
    """A stored instant as the active language writes a date and a time, in the site's zone."""
    moment = timezone.localtime(datetime.fromisoformat(iso))
    return {"date": date_format(moment, "DATE_FORMAT"), "time": time_format(moment, "TIME_FORMAT")}


def _sanction(data: dict, names: dict) -> Wording:
    reason = data.get("reason", "")
    if data.get("sanction") == "ban" or not data.get("until"):
        headline = _("Your account is banned from %(community)s permanently.") % names
        consequence = _("You can no longer post, vote or comment there.")
    else:
        moment = _moment(data["until"])
        headline = _("Your account is suspended in %(community)s until %(date)s at %(time)s.") % {**names, **moment}
        consequence = _("Until then, you cannot post, vote or comment there.")
    return Wording(f"{headline} {consequence}", "", _("Reason:") if reason else "", reason)


def _response_flow(data: dict, names: dict) -> Wording:
    step = data.get("step")
    if step == "submitted":
        headline = _("%(actor)s asks you to approve their official response on “%(title)s”") % names
    elif step == "approved":
        headline = _("%(actor)s approved your official response on “%(title)s”") % names
    else:
        headline = _("Your official response on “%(title)s” is published") % names
    return Wording(headline, data.get("excerpt", ""))


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
            subject = _("Your post is published")
        elif outcome == "reject":
            headline = _("The moderators of %(community)s did not publish your post:") % names
            subject = _("Your post was not published")
        else:
            headline = _("The moderators of %(community)s have hidden your post:") % names
            subject = _("Your post is hidden")
        message = data.get("message", "")
        note_label = _("Their message:") if message else ""
        return Wording(headline, data.get("title", ""), note_label, message, subject=subject)
    if kind == Kind.MERGE:
        headline = _("The idea “%(title)s” was merged into “%(original)s”") % {
            **names,
            "original": data.get("original", ""),
        }
        return Wording(headline)
    if kind == Kind.RESPONSE_FLOW:
        return _response_flow(data, names)
    if kind == Kind.SANCTION:
        return _sanction(data, names)
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
    subject = ngettext("%(count)s idea awaits a response", "%(count)s ideas await a response", total) % {"count": total}
    return Wording(headline, lines=lines, subject=subject)
