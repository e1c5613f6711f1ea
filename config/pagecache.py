"""Whole pages for visitors, rendered once per community, language and content version.

A visitor's home page, listing, roadmap or idea page is the same for every visitor except
for the CSRF token in its forms. Such a page is rendered with a slot where the token goes
(a marker drawn for that rendering, config/slots.py), kept in the shared cache under the
versions of what it shows (community.cache: an idea's page under that idea's version, a
listing under the listing version, both under the community's content version), and served
with this request's token in the slot: no query, one or two cache round trips, instead of
15 to 35 ms of CPU. A vote on one idea therefore renders that idea's page again, and the
listings within LISTING_COUNTS_SECONDS, not every page of the community.

Signed-in members are served from a rendering of their own (audience "member") shared the
same way, when the view says their page differs from every other member's only in parts it
can fill (`members=`, a function of the request giving a `MemberParts`, or None for a
reader who needs a page of their own: a moderator, the idea's author, a member who just
voted). That rendering has slots for the account menu (with its unread count), the form
keys, and the member's parts named by the view (their vote on each idea shown, their
follow); the parts are filled for each reader with one query or none (ideas.member_pages).

Requests carrying a message to show, and anything but a 200 are never served from or
stored in this cache. Pages are kept at most PAGE_SECONDS.

The key holds only the query parameters a page reads (`QUERY_PARAMS`), in a canonical
order, and the page is rendered as if asked with exactly those: `?utm_source=x` gets the
page of the bare address. A parameter the page does not read (other than the tracking ones
in `IGNORED_PARAMS`), or a value that is not one worth keeping (`?page=999`, a tag nobody
used), makes the page be rendered for that request alone: a client cannot fill the cache
with variants. At most MAX_VARIANTS listing pages are stored per community and listing
version, and MAX_IDEA_PAGES idea pages per community in PAGE_SECONDS (each idea has one page
per language; its versions move with its votes and comments).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection
from functools import wraps
from typing import NamedTuple, Protocol

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from accounts.submissions import form_key_series
from community.cache import idea_versions, listing_versions
from config.slots import Slots, cut, fill_cut

logger = logging.getLogger(__name__)

PAGE_SECONDS = 300
MAX_VARIANTS = 300
MAX_IDEA_PAGES = 3000
MAX_PAGE = 10
MAX_VALUE_LENGTH = 100
_SLOTS = "_page_slots"
_MEMBERS = "_page_for_members"

# Added by newsletters and ads for their own statistics; no page reads them.
IGNORED_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid"})
IGNORED_PREFIXES = ("utm_",)


def _page_number(value: str) -> bool:
    return value.isascii() and value.isdigit() and value == str(int(value)) and 1 <= int(value) <= MAX_PAGE


def _slug(value: str) -> bool:
    # Letters of any script: tags are slugged with their accents ("vélo").
    return len(value) <= MAX_VALUE_LENGTH and value.replace("-", "").replace("_", "").isalnum()


def _tag_in_use(value: str) -> bool:
    """Any string is a tag the listing accepts (and shows empty): keep only those that exist."""
    from taggit.models import Tag

    return Tag.objects.filter(slug=value).exists()


class Param(NamedTuple):
    """A query parameter a page reads: the values looked up in the cache, and (checked only
    before storing a page, as it may cost a query) those worth a new entry."""

    valid: Callable[[str], bool]
    worth_keeping: Callable[[str], bool] | None = None


# What each shared page reads from its query string; a page not listed reads none.
# (Unknown statuses, categories and sorts are refused with 400 by the listing's form, so
# never stored.)
QUERY_PARAMS: dict[str, dict[str, Param]] = {
    "ideas.views.idea_list": {
        "sort": Param(_slug),
        "status": Param(_slug),
        "category": Param(_slug),
        "tag": Param(_slug, _tag_in_use),
        "page": Param(_page_number),
    },
}


def csrf_token_for(request: HttpRequest) -> str:
    """The CSRF token to write into a form: the slot while a shared page is rendered."""
    slots = getattr(request, _SLOTS, None)
    return slots["csrf"] if slots is not None else get_token(request)


def member_slots_of(request: HttpRequest) -> Slots | None:
    """The markers of the members' shared rendering under way, if any: the view writes its
    member parts as these (ideas.member_pages)."""
    return getattr(request, _SLOTS, None) if getattr(request, _MEMBERS, False) else None


def csrf_slot(request: HttpRequest) -> dict:
    """Context processor (after Django's csrf one): forms of a shared page get slots for the
    token and their keys, and a members' page slots for the account menu and the avatar."""
    slots = getattr(request, _SLOTS, None)
    if slots is None:
        return {}
    context = {"csrf_token": slots["csrf"], "form_key_slot": slots["formkey"]}
    if getattr(request, _MEMBERS, False):
        context["member_slots"] = {"account": slots["account"], "avatar": slots["avatar"]}
    return context


class MemberParts(Protocol):
    """A member's parts of a shared members' page: the values of its slots.

    `unless_cached`: cache keys read along with the page (one round trip), any of which,
    present, means this member needs a page of their own after all."""

    unless_cached: tuple[str, ...]

    def values(self, names: Collection[str]) -> dict[str, str]:
        """Slot name → value (HTML, escaped) for each of this member's parts among the slots
        of the shared rendering (`names`, config.slots.Slots)."""


def _shareable(request: HttpRequest, uncached_params: tuple[str, ...]) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and getattr(request, "community", None) is not None
        and not any(name in request.GET for name in uncached_params)
        and len(messages.get_messages(request)) == 0
    )


def _audience(request: HttpRequest, members: Callable | None) -> tuple[str, MemberParts | None] | None:
    """Who this page is shared with: visitors, members (with this reader's parts), or None
    for a page rendered for this reader alone."""
    if not request.user.is_authenticated:
        return "visitor", None
    if members is None:
        return None
    parts = members(request)
    return ("member", parts) if parts is not None else None


def canonical_query(request: HttpRequest, accepted: dict[str, Param]) -> str | None:
    """The query string as the page reads it: its own parameters, sorted, empty ones and
    tracking ones dropped. None when the request has another parameter, a parameter twice,
    or a value of the wrong shape: such a page is rendered for that request alone."""
    kept = []
    for name, values in request.GET.lists():
        if name in accepted:
            if len(values) != 1:
                return None
            if values[0] == "":
                continue
            if not accepted[name].valid(values[0]):
                return None
            kept.append((name, values[0]))
        elif not (name in IGNORED_PARAMS or name.startswith(IGNORED_PREFIXES)):
            return None
    query = QueryDict(mutable=True)
    for name, value in sorted(kept):
        query[name] = value
    return query.urlencode()


def _versions(request: HttpRequest, idea_id: int | None) -> str:
    """The versions a page is kept under: its idea's, or the listings' (community.cache)."""
    community_id = request.community.pk
    return listing_versions(community_id) if idea_id is None else idea_versions(community_id, idea_id)


def page_key(request: HttpRequest, query: str, *, idea_id: int | None = None, audience: str = "visitor") -> str:
    """Everything a shared page depends on: the community's settings and the versions of
    what it shows (the idea `idea_id`'s, else the listings'), the language, the audience
    (visitors or members), and the address (scheme, host, path and canonical query)."""
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    digest = hashlib.blake2b(address.encode(), digest_size=16).hexdigest()
    # "2": pages kept cut at their slots (config.slots.cut), not as one text.
    return f"shared-page:2:{_versions(request, idea_id)}:{get_language()}:{audience}:{request.method}:{digest}"


def _variants_key(request: HttpRequest, idea_id: int | None) -> str:
    if idea_id is None:
        return f"shared-page-variants:{_versions(request, None)}"
    return f"shared-page-ideas:{request.community.pk}"


def _worth_keeping(request: HttpRequest, accepted: dict[str, Param]) -> bool:
    return all(
        param.worth_keeping is None or param.worth_keeping(request.GET[name])
        for name, param in accepted.items()
        if request.GET.get(name)
    )


def _store(request: HttpRequest, key: str, entry: tuple, idea_id: int | None) -> None:
    """Keep the page, unless the community already has MAX_VARIANTS listing pages under
    this version, or stored MAX_IDEA_PAGES idea pages in PAGE_SECONDS."""
    counter = _variants_key(request, idea_id)
    cache.add(counter, 0, PAGE_SECONDS)
    if cache.incr(counter) > (MAX_VARIANTS if idea_id is None else MAX_IDEA_PAGES):
        return
    cache.set(key, entry, PAGE_SECONDS)


# How a members' shared page's account menu is written for its reader (the request and its
# CSRF token → HTML): set at start-up by notifications.apps, as the menu shows the unread
# count, which this layer does not read.
_account_menu_of: Callable[[HttpRequest, str], str] | None = None


def write_account_menus_with(writer: Callable[[HttpRequest, str], str]) -> None:
    global _account_menu_of
    _account_menu_of = writer


def _filled(request: HttpRequest, pieces: tuple, nonce: str, parts: MemberParts | None = None) -> bytes:
    """The page cut at its slots (config.slots.cut), filled for this reader."""
    token = get_token(request)  # also sends the CSRF cookie, as the forms need it
    form_key = form_key_series()
    values: dict = {"csrf": token.encode(), "formkey": lambda: form_key().encode()}
    if parts is not None:
        # Its sign-out form gets the page's token (masking another costs 32 random draws).
        values["account"] = _account_menu_of(request, token).encode()
        values.update((name, value.encode()) for name, value in parts.values(frozenset(pieces[1::2])).items())
    return fill_cut(pieces, nonce, values)


def _render_as(
    request: HttpRequest, query: str, render: Callable[[], HttpResponse], *, members: bool = False
) -> HttpResponse:
    """The view's page as asked with `query` alone (links and forms in it included)."""
    original = request.GET, request.META.get("QUERY_STRING", "")
    request.GET, request.META["QUERY_STRING"] = QueryDict(query), query
    setattr(request, _SLOTS, Slots())
    setattr(request, _MEMBERS, members)
    try:
        return render()
    finally:
        request.GET, request.META["QUERY_STRING"] = original
        delattr(request, _MEMBERS)


def shared_page(
    *,
    uncached_params: tuple[str, ...] = (),
    idea_kwarg: str | None = None,
    members: Callable[[HttpRequest], MemberParts | None] | None = None,
) -> Callable:
    """Serve a view's page to visitors, and to members if `members` is given, from the
    shared cache (see the module's docstring).

    `uncached_params`: query parameters that make a page too particular to keep (a
    search's words: every visitor types their own). `idea_kwarg`: the view's argument that
    names the one idea the page shows (kept under that idea's version); without it, the page
    is a listing (kept under the listing version). `members`: the reader's parts, or None
    when this member needs a page of their own.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        accepted = QUERY_PARAMS.get(f"{view.__module__}.{view.__name__}", {})

        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _shareable(request, uncached_params):
                return view(request, *args, **kwargs)
            query = canonical_query(request, accepted)
            if query is None:
                return view(request, *args, **kwargs)
            idea_id = kwargs[idea_kwarg] if idea_kwarg else None
            try:
                shared = _audience(request, members)
                if shared is None:
                    return view(request, *args, **kwargs)
                audience, parts = shared
                key = page_key(request, query, idea_id=idea_id, audience=audience)
                vetoes = parts.unless_cached if parts is not None else ()
                found = cache.get_many([key, *vetoes]) if vetoes else {key: cache.get(key)}
            except Exception:  # no cache: every page is rendered
                logger.warning("Cache unavailable for shared pages", exc_info=True)
                return view(request, *args, **kwargs)
            if any(veto in found for veto in vetoes):
                return view(request, *args, **kwargs)
            cached = found.get(key)
            if cached is not None:
                pieces, content_type, nonce = cached
                return HttpResponse(_filled(request, pieces, nonce, parts), content_type=content_type)
            for_members = audience == "member"
            try:
                response = _render_as(request, query, lambda: view(request, *args, **kwargs), members=for_members)
            finally:
                slots = getattr(request, _SLOTS)
                delattr(request, _SLOTS)
            if response.streaming:
                return response
            pieces = cut(response.content, slots)
            if response.status_code == 200 and not response.cookies and _worth_keeping(request, accepted):
                try:
                    _store(request, key, (pieces, response["Content-Type"], slots.nonce), idea_id)
                except Exception:
                    logger.warning("Cache unavailable for shared pages", exc_info=True)
            response.content = _filled(request, pieces, slots.nonce, parts)
            return response

        return wrapper

    return decorator
