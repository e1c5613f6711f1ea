from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def community(request: HttpRequest) -> dict[str, Any]:
    return {"community": getattr(request, "community", None)}
