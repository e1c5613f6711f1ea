"""Security headers on every response: Content-Security-Policy, Permissions-Policy.

The policy itself is `CONTENT_SECURITY_POLICY` in config/settings.py (django-csp reads
it); Cross-Origin-Opener-Policy comes from Django's SecurityMiddleware. This middleware
adds the one exception the policy needs: a social sign-in's confirmation page posts to
our /accounts/<provider>/login/, which answers with a redirect to the provider, and
browsers apply `form-action` to that redirect too. That page alone may therefore send its
form on to the provider's origin.

Pages cached for visitors (config/pagecache.py) are served from inside the view, so they
pass through here like any other response. No policy uses a nonce: a cached page is
served to many visitors, and a nonce baked into it would be shared.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)

# Where each social provider's authorization endpoint lives (allauth's adapters).
PROVIDER_ORIGINS = {
    "google": ("https://accounts.google.com",),
    "apple": ("https://appleid.apple.com",),
    "facebook": ("https://www.facebook.com", "https://m.facebook.com"),
}
OPENID_CONNECT_LOGIN = "openid_connect_login"


def provider_origins(request: HttpRequest) -> tuple[str, ...]:
    """The origins a social sign-in's confirmation page sends its form on to; () elsewhere.

    An OpenID Connect server (LinkedIn, a company's own) is the origin of the `server_url`
    in its SocialApp's settings, where allauth finds its endpoints.
    """
    match = getattr(request, "resolver_match", None)
    if match is None or not (match.url_name or "").endswith("_login"):
        return ()
    if match.url_name == OPENID_CONNECT_LOGIN:
        from allauth.socialaccount.adapter import get_adapter

        try:
            provider = get_adapter(request).get_provider(request, match.kwargs["provider_id"])
            parts = urlsplit(provider.app.settings["server_url"])
        except Exception:  # unknown provider: allauth answers 404 itself
            logger.info("No OpenID Connect server for %s", match.kwargs.get("provider_id"), exc_info=True)
            return ()
        return (f"{parts.scheme}://{parts.netloc}",) if parts.scheme == "https" else ()
    return PROVIDER_ORIGINS.get(match.url_name.removesuffix("_login"), ())


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware, plus Permissions-Policy and the social sign-in exception."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origins = provider_origins(request)
        if origins and not report_only:
            parts.update = {**(parts.update or {}), "form-action": origins}
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
