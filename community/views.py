from __future__ import annotations

from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.reputation import leaderboard
from community.selectors import community_url
from config.pagecache import shared_page
from ideas.feeds import IdeaSitemap
from ideas.selectors import ideas_hot, member_votes, responses_latest

HOME_AMBASSADORS = 5


@shared_page()
def home(request: HttpRequest) -> HttpResponse:
    """The community's front page: welcome text, its hot open ideas, the brand's latest
    answers and its top ambassadors."""
    ideas = ideas_hot(request.community) if request.community else []
    responses = responses_latest(request.community) if request.community else []
    # From the cached all-time board: the block costs the page no query.
    ambassadors = leaderboard(request.community, "all")[:HOME_AMBASSADORS] if request.community else []
    context = {
        "ideas": ideas,
        "my_votes": member_votes(request.user, ideas),
        "responses": responses,
        "ambassadors": ambassadors,
    }
    return render(request, "community/home.html", context)


def sitemap(request: HttpRequest) -> HttpResponse:
    return django_sitemap(request, sitemaps={"ideas": IdeaSitemap(request.community)})


ROBOTS_DISALLOWED = ("/admin/", "/accounts/", "/manage/", "/notifications/", "/ideas/similar/")


def robots_txt(request: HttpRequest) -> HttpResponse:
    """What crawlers may read, and where this community's sitemap is. (Also the benchmark's
    baseline: the cheapest view that still runs the whole middleware stack.)"""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOWED)]
    lines.append(f"Sitemap: {community_url(request.community, '/sitemap.xml')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
