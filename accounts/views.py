from __future__ import annotations

from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from accounts import mfa, privacy, profiles, reputation
from accounts.forms import AccountDeleteForm, ProfileForm
from accounts.middleware import SUPPORTED, language_cookie_set
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
        language_cookie_set(response, data["language"])
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


# --- Privacy: export my data, delete my account ------------------------------------------


def _privacy_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    return render(request, "accounts/privacy_page.html", {"export": privacy.latest_export(request.user)}, status=status)


@require_GET
@login_required
def privacy_page(request: HttpRequest) -> HttpResponse:
    return _privacy_page(request)


@require_POST
@login_required
def privacy_export(request: HttpRequest) -> HttpResponse:
    try:
        privacy.export_request(user=request.user, community=request.community)
    except privacy.ExportRefused as refusal:
        messages.error(request, refusal.message)
        return _privacy_page(request, status=429)
    messages.success(request, _("We are preparing a copy of your data and will e-mail you a link to download it."))
    return redirect("privacy")


@require_GET
@login_required
def export_download(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: only for the member it was made for, signed in, within 7 days."""
    try:
        export_id, user_id = privacy.export_token_read(token)
    except signing.SignatureExpired:
        return render(request, "accounts/export_unavailable.html", {"reason": "expired"}, status=400)
    except signing.BadSignature:
        return render(request, "accounts/export_unavailable.html", {"reason": "invalid"}, status=400)
    if user_id != request.user.pk:
        raise Http404
    found = privacy.export_file_for(user=request.user, export_id=export_id)
    if found is None:
        return render(request, "accounts/export_unavailable.html", {"reason": "gone"}, status=410)
    export, path = found
    response = FileResponse(path.open("rb"), as_attachment=True, filename=f"my-data-{export.ready_at:%Y-%m-%d}.zip")
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def privacy_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/account_delete.html", {"form": form}, status=400)
        privacy.account_delete(user=request.user)
        logout(request)
        messages.success(request, _("Your account is deleted. Your ideas and comments stay, signed “Former member”."))
        return redirect("home")
    return render(request, "accounts/account_delete.html", {"form": form})


# --- Leaderboard -------------------------------------------------------------------------


@require_GET
def leaderboard(request: HttpRequest) -> HttpResponse:
    """The community's ambassadors: this month's points (the default) or all time."""
    if request.community is None:
        raise Http404
    period = request.GET.get("period", "month")
    context = {"period": period, "periods": reputation.PERIODS}
    if period not in reputation.PERIODS:
        context["error"] = _("Unknown period: choose this month or all time.")
        return render(request, "accounts/leaderboard.html", context, status=400)
    context["entries"] = reputation.leaderboard(request.community, period)
    return render(request, "accounts/leaderboard.html", context)


# --- Staff: one way to sign in, with a second factor --------------------------------------


def admin_login(request: HttpRequest) -> HttpResponse:
    """/admin/login/ hands over to the site's sign-in, so staff meet the same rate limits,
    lock-outs and second factor as everyone; credentials posted here are ignored."""
    next_url = mfa.safe_next(request, request.GET.get("next")) or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(next_url)
        # Signed in, but the admin is not for this account: sending them to sign in would
        # bring them straight back here.
        messages.error(request, _("Your account cannot open the administration."))
        return redirect("home")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


@require_GET
@login_required
def mfa_required(request: HttpRequest) -> HttpResponse:
    """Where staff without an authenticator are sent from staff pages: why, and how to add
    one; the page they wanted opens once it is set up."""
    user = request.user
    next_url = mfa.safe_next(request, request.GET.get("next")) or reverse("admin:index")
    if not mfa.mfa_required_for(user):
        return redirect("mfa_index")
    if is_mfa_enabled(user, mfa.SECOND_FACTORS):
        return redirect(next_url)  # accounts.mfa asks for the code if this session has not
    request.session[mfa.PENDING_NEXT_SESSION_KEY] = next_url
    return render(request, "mfa/required.html", {"next_url": next_url})
