from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django import template
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext

from community.services import CACHE_VERSION_KEY

register = template.Library()
logger = logging.getLogger(__name__)


@register.filter
def dict_get(mapping, key):
    """`{{ my_votes|dict_get:idea.pk }}`: a value from a dict built by the view."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def duration_words(value: timedelta | None) -> str:
    """A wait in round words: "12 minutes", "3 hours", "2 days"."""
    if value is None:
        return ""
    minutes = max(1, round(value.total_seconds() / 60))
    if minutes < 90:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = round(hours / 24)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


# --- Cards, rendered once per state ------------------------------------------------------

CARD_SECONDS = 600
CSRF_SLOT = "CARDCSRFTOKENSLOT"
NEXT_SLOT = "CARDNEXTPATHSLOT"


def card_key(idea, my_vote, *, signed_in: bool, language: str, version) -> str:
    """Everything a card shows, in a key: a card is rendered again only when one changes."""
    stats = idea.stats
    author = idea.author
    state = (
        idea.pk,
        idea.updated_at.timestamp(),
        idea.moderation_state,
        idea.merged_into_id,
        idea.status_id,
        idea.category_id,
        stats.votes,
        stats.comments,
        stats.answered_at.timestamp() if stats.answered_at else None,
        author.pk if author else None,
        author.public_name if author else None,
        tuple(tag.slug for tag in idea.tags.all()),
        my_vote,
        signed_in,
    )
    digest = hashlib.blake2b(repr(state).encode(), digest_size=12).hexdigest()
    return f"card:v{version}:{language}:{digest}"


@register.simple_tag(takes_context=True)
def idea_cards(context, ideas) -> str:
    """The cards of a list, each from the cache when nothing it shows has changed.

    Rendering a card costs about 2 ms of template work; a list shows 20. The per-request
    parts (the CSRF token, the page to come back to) are slots filled after the cache.
    """
    request = context["request"]
    my_votes = context.get("my_votes") or {}
    signed_in = request.user.is_authenticated
    language = get_language() or "fr"
    try:
        version = cache.get_or_set(CACHE_VERSION_KEY, 1, timeout=None)
        keys = {
            idea.pk: card_key(idea, my_votes.get(idea.pk), signed_in=signed_in, language=language, version=version)
            for idea in ideas
        }
        cached = cache.get_many(list(keys.values()))
    except Exception:  # no cache: render everything
        keys, cached = {}, {}
    card = get_template("ideas/_idea_card.html")
    parts, fresh = [], {}
    for idea in ideas:
        key = keys.get(idea.pk)
        html = cached.get(key) if key else None
        if html is None:
            html = card.render(
                {"idea": idea, "my_votes": my_votes, "user": request.user, "csrf_token": CSRF_SLOT},
                _SlottedRequest(request),
            )
            if key:
                fresh[key] = html
        parts.append(html)
    if fresh:
        try:
            cache.set_many(fresh, CARD_SECONDS)
        except Exception:
            logger.warning("Cache unavailable for idea cards", exc_info=True)
    html = "".join(parts)
    return mark_safe(  # noqa: S308 — rendered by our own templates; the slots are filled with escaped values
        html.replace(CSRF_SLOT, escape(get_token(request))).replace(NEXT_SLOT, escape(request.get_full_path()))
    )


class _SlottedRequest:
    """The request as a card sees it: the page to come back to is a slot."""

    def __init__(self, request) -> None:
        self._request = request

    def get_full_path(self) -> str:
        return NEXT_SLOT

    def __getattr__(self, name: str):
        return getattr(self._request, name)
