"""Set `request.community` from the request's host."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from community.selectors import community_for_host

# Paths an operator needs even on a community that has been switched off, signing in
# included: /admin/login/ hands over to allauth's pages (accounts.views.admin_login).
SIGN_IN = ("/accounts/login/", "/accounts/logout/", "/accounts/reauthenticate/", "/accounts/2fa/")
ALWAYS_OPEN = ("/admin/", "/healthz", "/static/", "/theme.css", "/i18n/", *SIGN_IN)
# Paths that must answer without the community lookup (a load balancer's health check
# must get its JSON 503, not an error page, when the database is down).
NO_COMMUNITY = ("/healthz",)


class CommunityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(NO_COMMUNITY):
            request.community = None
            return self.get_response(request)
        community = community_for_host(request.get_host())
        request.community = community
        if community is not None and not community.is_active and not request.path.startswith(ALWAYS_OPEN):
            with translation.override(community.default_language):
                return render(request, "community/inactive.html", {"community": community}, status=404)
        return self.get_response(request)
