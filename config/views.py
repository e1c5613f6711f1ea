from __future__ import annotations

import json
import logging
import time

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from config.health import health_report

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, checks = health_report()
    failing = [name for name, item in checks.items() if not item["ok"]]
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "failing": failing, "checks": checks},
        status=200 if healthy else 503,
    )


CSP_REPORT_MAX_BYTES = 8 * 1024
CSP_REPORTS_PER_MINUTE = 30  # logged per process and minute; the rest are dropped
_csp_budget = {"minute": -1, "logged": 0}


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Browsers post here what the Content-Security-Policy blocked (config/csp.py): logged,
    so that a page broken by the policy shows in the logs. Bounded in size and rate."""
    minute = int(time.monotonic() // 60)
    if _csp_budget["minute"] != minute:
        _csp_budget.update(minute=minute, logged=0)
    size = request.headers.get("Content-Length", "")
    size = int(size) if size.isdigit() else 0
    if _csp_budget["logged"] < CSP_REPORTS_PER_MINUTE and 0 < size <= CSP_REPORT_MAX_BYTES:
        _csp_budget["logged"] += 1
        try:
            report = json.loads(request.body).get("csp-report", {})
        except (ValueError, AttributeError):
            report = {}
        if isinstance(report, dict):
            logger.warning(
                "CSP violation: %s blocked %s on %s",
                str(report.get("effective-directive") or report.get("violated-directive"))[:100],
                str(report.get("blocked-uri"))[:300],
                str(report.get("document-uri"))[:300],
            )
    return HttpResponse(status=204)
