"""Team alerts: a readable message for a Slack- or Teams-compatible incoming webhook.

Written in the community's default language, with links on the community's own domain.
Built from the event's payload only (what may leave the site); an item held for moderation
is named by its kind, never quoted, and linked to the review queue in /admin/.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from community.models import Community
from events import CATALOGUE

TEST_TYPE = "webhook.test"


@dataclass(frozen=True)
class Alert:
    title: str
    text: str
    url: str


def _idea_title(data: dict) -> str:
    return str((data.get("idea") or {}).get("title") or "")


def _first_url(data: dict) -> str:
    for key in ("comment", "idea", "duplicate"):
        value = data.get(key)
        if isinstance(value, dict) and value.get("url"):
            return str(value["url"])
    return ""


def alert_for(event_type: str, data: dict, community: Community) -> Alert:
    """The alert's words for an event, in the community's default language."""
    with translation.override(community.default_language):
        return _words(event_type, data, community)


def _words(event_type: str, data: dict, community: Community) -> Alert:
    idea = data.get("idea") or {}
    if event_type == "idea.threshold_reached":
        return Alert(
            _("Idea over the response threshold"),
            _("“%(title)s” has %(votes)s votes (threshold: %(threshold)s) and awaits an official response.")
            % {"title": _idea_title(data), "votes": idea.get("votes"), "threshold": data.get("threshold")},
            str(idea.get("url") or community.absolute_url("/")),
        )
    if event_type == "response.submitted":
        return Alert(
            _("Response awaiting approval"),
            _("An official response to “%(title)s” awaits a second manager's approval.") % {"title": _idea_title(data)},
            str(idea.get("url") or community.absolute_url("/")),
        )
    if event_type == "moderation.held":
        is_comment = (data.get("item") or {}).get("kind") == "comment"
        return Alert(
            _("Waiting for moderation"),
            _("A comment is waiting for moderation.") if is_comment else _("An idea is waiting for moderation."),
            community.absolute_url(reverse("admin:community_moderationitem_review")),
        )
    if event_type == "idea.flagged":
        return Alert(
            _("Idea reported by several members"),
            _("“%(title)s” was reported by %(count)s members.")
            % {"title": _idea_title(data), "count": data.get("flags")},
            str(idea.get("url") or community.absolute_url("/")),
        )
    if event_type == TEST_TYPE:
        return Alert(
            _("Test alert"),
            _("This channel will receive the alerts of %(community)s.") % {"community": community.name},
            community.absolute_url("/"),
        )
    kind = CATALOGUE.get(event_type)
    label = str(kind.label) if kind else event_type
    title = _idea_title(data)
    return Alert(label, f"“{title}”" if title else label, _first_url(data) or community.absolute_url("/"))


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn treats these three as control characters (api.slack.com, "Escaping text").
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(alert: Alert, community: Community) -> dict:
    return {
        "text": f"*<{alert.url}|{_slack_escape(alert.title)}>* · {_slack_escape(community.name)}\n"
        f"{_slack_escape(alert.text)}",
        "unfurl_links": False,
    }


def teams_body(alert: Alert, community: Community) -> dict:
    """A message with an Adaptive Card, as Teams' incoming webhooks (Workflows) take it."""
    with translation.override(community.default_language):
        open_label = _("Open")
    return {
        "type": "message",
        "summary": alert.title,
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": community.name, "isSubtle": True, "wrap": True},
                        {"type": "TextBlock", "text": alert.title, "weight": "Bolder", "size": "Medium", "wrap": True},
                        {"type": "TextBlock", "text": alert.text, "wrap": True},
                    ],
                    "actions": [{"type": "Action.OpenUrl", "title": open_label, "url": alert.url}],
                },
            }
        ],
    }
