from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django import template
from django.core.cache import cache
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext

from accounts.submissions import form_key_new
from community.cache import cache_version, thread_cached
from community.models import Flag
from config.pagecache import csrf_token_for, member_slots_of
from config.slots import Slots, fill
from ideas.member_pages import VOTE_PARTS, PartSlots, follow_view, vote_view

register = template.Library()
logger = logging.getLogger(__name__)


@register.filter
def dict_get(mapping, key):
    """`{{ my_votes|dict_get:idea.pk }}`: a value from a dict built by the view."""
    if not mapping:
        return None
    return mapping.get(key)


@register.simple_tag
def vote_state(my_vote):
    """`{% vote_state my_vote as mine %}`: what the vote button shows of the member's vote
    (`mine.current`, `.active`, `.pressed`, `.label`), or its markers in a rendering shared
    by members (ideas.member_pages)."""
    return vote_view(my_vote)


@register.simple_tag
def follow_state(following):
    """`{% follow_state following as follow %}`: `follow.pressed`, `follow.label`, as above."""
    return follow_view(following)


@register.filter
def is_in(value, collection) -> bool:
    """`{{ comment.pk|is_in:flagged_comments }}`: membership in a set built by the view."""
    return bool(collection) and value in collection


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
        author.avatar.name if author else None,  # the card shows the author's picture
        tuple(tag.slug for tag in idea.tags.all()),
        my_vote,
        signed_in,
    )
    digest = hashlib.blake2b(repr(state).encode(), digest_size=12).hexdigest()
    return f"card:s:v{version}:{language}:{digest}"


@register.simple_tag(takes_context=True)
def idea_cards(context, ideas) -> str:
    """The cards of a list, each from the cache when nothing it shows has changed.

    Rendering a card costs about 2 ms of template work; a list shows 20. The per-request
    parts (the CSRF token, the page to come back to) are slots filled after the cache, each
    card with the markers drawn when it was rendered (kept beside it: config/slots.py). In a
    page shared by members, the member's vote is a slot too, filled with the page's marker
    for it (ideas.member_pages).
    """
    request = context["request"]
    page_slots = member_slots_of(request)
    my_votes = context.get("my_votes") or {}
    signed_in = request.user.is_authenticated
    language = get_language() or "fr"

    def mine(idea_id):
        return "slot" if page_slots is not None else my_votes.get(idea_id)

    try:
        version = cache_version()
        keys = {
            idea.pk: card_key(idea, mine(idea.pk), signed_in=signed_in, language=language, version=version)
            for idea in ideas
        }
        cached = cache.get_many(list(keys.values()))
    except Exception:  # no cache: render everything
        keys, cached = {}, {}
    card = get_template("ideas/_idea_card.html")
    values = {"csrf": escape(csrf_token_for(request)), "next": escape(request.get_full_path())}
    parts, fresh = [], {}
    for idea in ideas:
        key = keys.get(idea.pk)
        entry = cached.get(key) if key else None
        if entry is None:
            slots = Slots()
            votes = {idea.pk: PartSlots(slots, f"v{idea.pk}")} if page_slots is not None else my_votes
            html = card.render(
                {"idea": idea, "my_votes": votes, "user": request.user, "csrf_token": slots["csrf"]},
                _SlottedRequest(request, slots),
            )
            entry = (html, slots.nonce)
            if key:
                fresh[key] = entry
        if page_slots is not None:
            # The card's markers of the vote become the page's, filled for each reader.
            names = [f"v{idea.pk}{name}" for name in VOTE_PARTS]
            parts.append(_fill_card(entry, {**values, **{name: page_slots[name] for name in names}}))
        else:
            parts.append(_fill_card(entry, values))
    if fresh:
        try:
            cache.set_many(fresh, CARD_SECONDS)
        except Exception:
            logger.warning("Cache unavailable for idea cards", exc_info=True)
    return mark_safe("".join(parts))  # noqa: S308 — rendered by our own templates; the slots are filled with escaped values


def _fill_card(entry: tuple[str, str], values: dict) -> str:
    html, nonce = entry
    slots = Slots(nonce)
    return fill(html, {slots[name]: value for name, value in values.items()})


class _SlottedRequest:
    """The request as a card sees it: the page to come back to is a slot."""

    def __init__(self, request, slots: Slots) -> None:
        self._request = request
        self._slots = slots

    def get_full_path(self) -> str:
        return self._slots["next"]

    def __getattr__(self, name: str):
        return getattr(self._request, name)


# --- Comments: what every reader sees, rendered once -------------------------------------

COMMENT_SECONDS = 600


def _core_key(comment, language: str) -> str:
    author = comment.author
    state = (
        comment.pk,
        comment.edited_at.timestamp() if comment.edited_at else None,
        comment.deleted_at is not None,
        comment.moderation_state,
        author.public_name if author else None,
        author.avatar.name if author and author.avatar else None,
        getattr(comment, "author_role", None),
    )
    digest = hashlib.blake2b(repr(state).encode(), digest_size=12).hexdigest()
    return f"comment-core:{language}:{digest}"


def _cores_for(context, comment) -> dict[int, str]:
    """The thread's comment cores, fetched from the cache in one round trip on first use."""
    # Kept on the request: each {% include %} of a comment has a render context of its own.
    holder = context.get("request") or context.render_context
    cores = getattr(holder, "_comment_cores", None)
    if cores is None:
        thread = context.get("thread") or []
        every = [comment, *(c for top in thread for c in (top, *getattr(top, "thread_replies", [])))]
        language = get_language() or "fr"
        keys = {c.pk: _core_key(c, language) for c in every}
        try:
            found = cache.get_many(list(set(keys.values())))
        except Exception:
            found = {}
        cores = {"keys": keys, "html": {pk: found[key] for pk, key in keys.items() if key in found}, "fresh": {}}
        holder._comment_cores = cores
    return cores


@register.simple_tag(takes_context=True)
def comment_core(context, comment) -> str:
    """Author, date and text of a comment: the same for every reader, so rendered once per
    state and language. (The tools under it depend on the reader and are not cached.)"""
    cores = _cores_for(context, comment)
    html = cores["html"].get(comment.pk)
    if html is None:
        html = get_template("ideas/_comment_core.html").render({"comment": comment})
        key = cores["keys"].get(comment.pk) or _core_key(comment, get_language() or "fr")
        try:
            cache.set(key, html, COMMENT_SECONDS)
        except Exception:
            logger.warning("Cache unavailable for comments", exc_info=True)
    return mark_safe(html)  # noqa: S308 — our template's output; the comment's HTML was sanitized when saved


@register.filter
def editable_by(comment, user) -> bool:
    """`{% if comment|editable_by:user %}`: the author, within the edit window."""
    from ideas.services import can_edit_comment

    return can_edit_comment(comment, user)


# --- A thread, rendered once for every reader who has no part in it ----------------------


def _takes_part(request, user, idea, thread) -> bool:
    """Whether the reader sees tools of their own in the thread: a moderator, or the author
    of one of its comments (edit and delete links, their held comments)."""
    from ideas.services import is_moderator

    if not user.is_authenticated:
        return False
    if member_slots_of(request) is not None:  # a members' shared page: none of them takes part
        return False
    if is_moderator(user, idea.community):
        return True
    return any(comment.author_id == user.pk for top in thread for comment in (top, *top.thread_replies))


@register.simple_tag(takes_context=True)
def comment_list(context, thread) -> str:
    """The comments of an idea page. Every visitor sees the same thread, and so does every
    member who wrote none of it: rendered once per version of the idea, language and kind of
    reader (the CSRF token is a slot). Moderators and the thread's authors get their own."""
    request = context["request"]
    idea = context["idea"]
    user = request.user
    template = get_template("ideas/_comment_list.html")
    if _takes_part(request, user, idea, thread) or context.get("flagged_comments"):
        # (A member who reported comments sees "Reported" on them: their own rendering.)
        from ideas.services import is_moderator

        own = context.flatten()
        own["moderates"] = is_moderator(user, idea.community)  # known this request: no query
        return template.render(own, request)

    def render() -> tuple[str, str]:
        slots = Slots()
        slotted = {
            "thread": thread,
            "idea": idea,
            "user": user,
            "csrf_token": slots["csrf"],
            "form_key_slot": slots["formkey"],  # each form its own key, per reader
            "flagged_comments": (),
        }
        return template.render(slotted, _SlottedRequest(request, slots)), slots.nonce

    signed_in = user.is_authenticated
    name = f"thread:s:{get_language()}:{signed_in}:{idea.moderation_state}:{idea.merged_into_id}"
    entry = thread_cached(idea.community_id, idea.pk, name, render)
    # In a page shared by members, each form's key is the page's slot, filled per reader.
    form_key = context.get("form_key_slot") or form_key_new
    values = {"csrf": escape(csrf_token_for(request)), "next": escape(request.get_full_path()), "formkey": form_key}
    return mark_safe(_fill_card(entry, values))  # noqa: S308 — as idea_cards


# --- Reporting ------------------------------------------------------------------------------


@register.inclusion_tag("ideas/_flag_control.html", takes_context=True)
def flag_control(context, url: str, *, flagged: bool = False, prefix: str = "idea", what: str = "") -> dict:
    """The report control: a small form with a reason, or "Reported" once this member did.
    `what`: words for screen readers after "Report" (which comment)."""
    return {
        "url": url,
        "flagged": flagged,
        "prefix": prefix,
        "what": what,
        "reasons": Flag.Reason.choices,
        "csrf_token": context.get("csrf_token"),
        "form_key_slot": context.get("form_key_slot"),
    }
