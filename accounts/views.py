from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from accounts import profiles
from accounts.forms import ProfileForm
from accounts.middleware import SUPPORTED
from accounts.profiles import profile_update


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language, remembered on the member's account as well as in the cookie."""
    response = set_language(request)
    language = request.POST.get("language")
    if language in SUPPORTED and request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


@require_http_methods(["GET", "POST"])
@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"display_name": user.display_name, "bio": user.bio, "language": user.language or "fr"}
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/profile_edit.html", {"form": form}, status=400)
        data = form.cleaned_data
        profile_update(
            user=user,
            display_name=data["display_name"],
            bio=data["bio"],
            language=data["language"],
            avatar=data["avatar"] or None,
            avatar_format=getattr(form, "avatar_format", ""),
            remove_avatar=data["remove_avatar"],
        )
        messages.success(request, _("Profile saved."))
        response = redirect("profile_edit")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, data["language"], samesite="Lax")
        return response
    return render(request, "accounts/profile_edit.html", {"form": form})


@require_GET
def member_page(request: HttpRequest, username: str) -> HttpResponse:
    community = request.community
    member = profiles.public_member(username)
    if community is None or member is None:
        raise Http404
    ideas = Paginator(profiles.member_ideas(member, community), 20).get_page(request.GET.get("page"))
    context = {
        "member": member,
        "ideas": ideas,
        "comments": list(profiles.member_comments(member, community)[:20]),
        **profiles.member_standing(member, community),
    }
    return render(request, "accounts/member_page.html", context)
