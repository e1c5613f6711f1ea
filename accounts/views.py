from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts.middleware import SUPPORTED


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language, remembered on the member's account as well as in the cookie."""
    response = set_language(request)
    language = request.POST.get("language")
    if language in SUPPORTED and request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response
