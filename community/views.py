from __future__ import annotations

from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ideas.feeds import IdeaSitemap
from ideas.selectors import ideas_hot, member_votes


def home(request: HttpRequest) -> HttpResponse:
    """The community's front page: welcome text and its hot ideas."""
    ideas = ideas_hot(request.community) if request.community else []
    return render(request, "community/home.html", {"ideas": ideas, "my_votes": member_votes(request.user, ideas)})


def sitemap(request: HttpRequest) -> HttpResponse:
    return django_sitemap(request, sitemaps={"ideas": IdeaSitemap(request.community)})
