"""Request guards that apply to every page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


class RejectNulMiddleware:
    """A NUL character in the path or the query string is never legitimate, and PostgreSQL
    refuses it in text: answer 400 here rather than a 500 deep in a query (forms already
    refuse it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            message = _("The address contains a forbidden character.")
            if request.path.startswith("/api/"):  # API clients read JSON errors (docs/api.md)
                return JsonResponse({"error": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
