from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The community's front page: its welcome text (hot ideas arrive with issue #3)."""
    return render(request, "community/home.html")
