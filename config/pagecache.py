"""Whole pages for visitors, rendered once per community, language and content version.

A visitor's home page, listing, roadmap or idea page is the same for every visitor except
for the CSRF token in its forms. Such a page is rendered with a slot where the token goes,
kept in the shared cache under the community's content version (bumped by the services
after any change a visitor could see, see community.cache), and served with this request's
token in the slot: no query, one cache round trip, instead of 15 to 35 ms of CPU.

Signed-in members, requests carrying a message to show, and anything but a 200 are never
served from or stored in this cache. Pages are kept at most PAGE_SECONDS.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from community.cache import cache_version, content_version

logger = logging.getLogger(__name__)

PAGE_SECONDS = 300
CSRF_SLOT = "PAGECSRFTOKENSLOT"
_SLOTTED = "_csrf_token_slot"


def csrf_token_for(request: HttpRequest) -> str:
    """The CSRF token to write into a form: the slot while a shared page is rendered."""
    return CSRF_SLOT if getattr(request, _SLOTTED, False) else get_token(request)


def csrf_slot(request: HttpRequest) -> dict[str, str]:
    """Context processor (after Django's csrf one): forms of a shared page get the slot."""
    return {"csrf_token": CSRF_SLOT} if getattr(request, _SLOTTED, False) else {}


def _is_shared(request: HttpRequest, uncached_params: tuple[str, ...]) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and getattr(request, "community", None) is not None
        and not request.user.is_authenticated
        and not any(name in request.GET for name in uncached_params)
        and len(messages.get_messages(request)) == 0
    )


def page_key(request: HttpRequest) -> str:
    """Everything a visitor's page depends on: the community's settings and content
    versions, the language, and the address as asked (scheme, host, path and query)."""
    community_id = request.community.pk
    versions = f"{cache_version()}.{content_version(community_id)}"
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.blake2b(address.encode(), digest_size=16).hexdigest()
    return f"page:{community_id}:v{versions}:{get_language()}:{request.method}:{digest}"


def _fill_slots(request: HttpRequest, content: bytes) -> bytes:
    token = get_token(request).encode()  # also sends the CSRF cookie, as the forms need it
    return content.replace(CSRF_SLOT.encode(), token)


def shared_page(*, uncached_params: tuple[str, ...] = ()) -> Callable:
    """Serve a view's page to visitors from the shared cache (see the module's docstring).

    `uncached_params`: query parameters that make a page too particular to keep (a
    search's words: every visitor types their own).
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _is_shared(request, uncached_params):
                return view(request, *args, **kwargs)
            try:
                key = page_key(request)
                cached = cache.get(key)
            except Exception:  # no cache: every page is rendered
                logger.warning("Cache unavailable for shared pages", exc_info=True)
                return view(request, *args, **kwargs)
            if cached is not None:
                content, content_type = cached
                return HttpResponse(_fill_slots(request, content), content_type=content_type)
            setattr(request, _SLOTTED, True)
            try:
                response = view(request, *args, **kwargs)
            finally:
                setattr(request, _SLOTTED, False)
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            entry = (response.content, response["Content-Type"])
            try:
                cache.set(key, entry, PAGE_SECONDS)
            except Exception:
                logger.warning("Cache unavailable for shared pages", exc_info=True)
            response.content = _fill_slots(request, response.content)
            return response

        return wrapper

    return decorator
