from __future__ import annotations

from django.conf import settings
from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from accounts.mfa import mfa_required_for, second_factor_url, session_used_mfa
from accounts.reputation import leaderboard
from community.design import specimen_form, tokens
from community.selectors import community_url
from config.pagecache import shared_page
from ideas.feeds import IdeaSitemap
from ideas.member_pages import listing_reader
from ideas.selectors import ideas_hot, member_votes, responses_latest, statuses_of

HOME_AMBASSADORS = 5


@shared_page(members=listing_reader)
def home(request: HttpRequest) -> HttpResponse:
    """The community's front page: welcome text, its hot open ideas, the brand's latest
    answers and its top ambassadors."""
    ideas = ideas_hot(request.community, reader=request.user) if request.community else []
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


# Each rendering of the specimens: (language, theme). Both languages on one page, so that a
# reviewer (and the crawl's axe and validator) sees every label in French and English at once.
DESIGN_RENDERINGS = [(language, theme) for language, _name in settings.LANGUAGES for theme in ("light", "dark")]


@require_GET
def design(request: HttpRequest) -> HttpResponse:
    """The living design page: every component of components.css and every token of
    tokens.css, in the light and the dark theme, in each language. Staff only (a staff
    member from a session that used its second factor), or anyone while DEBUG is on; to
    everyone else it does not exist."""
    if not settings.DEBUG:
        if not mfa_required_for(request.user):  # visitors and members: not staff
            raise Http404
        if not session_used_mfa(request):
            return redirect(second_factor_url(request, request.get_full_path()))
    renderings = [
        {
            "language": language,
            "theme": theme,
            "prefix": f"{language}-{theme}",
            "form": specimen_form(f"{language}-{theme}"),
        }
        for language, theme in DESIGN_RENDERINGS
    ]
    context = {
        "renderings": renderings,
        "tokens": tokens(),
        "statuses": statuses_of(request.community) if request.community else [],
        # Avatars as the leaderboard's rows carry them: a picture, and initials without one.
        "sample_picture": {
            "username": "dominique",
            "public_name": "Dominique",
            "avatar": static("img/avatar-sample.svg"),
        },
        "sample_member": {"username": "camille", "public_name": "Camille Martin", "avatar": ""},
        "avatar_sizes": (24, 32, 48, 64, 96),
    }
    return render(request, "community/design.html", context)
