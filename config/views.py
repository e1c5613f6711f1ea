from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.health import health_report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, checks = health_report()
    failing = [name for name, item in checks.items() if not item["ok"]]
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "failing": failing, "checks": checks},
        status=200 if healthy else 503,
    )
