from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from community.services import membership_join


class SignupForm(forms.Form):
    """Fields allauth adds to its own sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("Shown next to your ideas and comments. Your username is used if you leave it empty."),
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.language = getattr(request, "LANGUAGE_CODE", "") or ""
        user.save(update_fields=["display_name", "language"])
        community = getattr(request, "community", None)
        if community is not None:
            membership_join(community=community, user=user)
