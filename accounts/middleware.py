"""Pick the language of each request.

Order: the visitor's explicit choice (the language switch's cookie), then the signed-in
member's saved language, then the community's default language. Browsers' Accept-Language
is not used: a French brand's community opens in French unless the visitor asks otherwise.

Also here: StaffMFAMiddleware, which keeps staff pages behind a second factor (accounts.mfa),
and AuthenticationMiddleware, Django's with the member read from the cache
(accounts.member_cache).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

from accounts.member_cache import request_user
from accounts.mfa import staff_mfa_redirect

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_for_request(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in SUPPORTED:
        return chosen
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in SUPPORTED:
        return user.language
    community = getattr(request, "community", None)
    if community is not None and community.default_language in SUPPORTED:
        return community.default_language
    return settings.LANGUAGE_CODE


def language_cookie_set(response: HttpResponse, language: str) -> None:
    """Remember the visitor's language as Django's set_language does, with the same
    LANGUAGE_COOKIE_* settings (Secure under HTTPS, HttpOnly, SameSite)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class StaffMFAMiddleware:
    """Staff pages open only to sessions that used a second factor (accounts.mfa)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        target = staff_mfa_redirect(request)
        if target is not None:
            return HttpResponseRedirect(target)
        return self.get_response(request)


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with `request.user` from the cache: a signed-in page asks the database
    nothing about the member or their roles (accounts.member_cache)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: request_user(request))
