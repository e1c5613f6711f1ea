from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import BIO_MAX_LENGTH, Language, User
from accounts.signup import member_signup_complete


class SignupForm(forms.Form):
    """Fields allauth adds to its own sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("Shown next to your ideas and comments. Your username is used if you leave it empty."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "username" in self.fields:  # allauth's own field, declared on its subclass
            self.fields["username"].help_text = _(
                "3 to 30 characters: lower-case letters without accents, digits, dots, hyphens, underscores."
            )

    def signup(self, request: HttpRequest, user: User) -> None:
        member_signup_complete(request=request, user=user, display_name=self.cleaned_data["display_name"])


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=80, required=False)
    bio = forms.CharField(
        label=_("About me"), max_length=BIO_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, up to 5 MB. It is cropped to a square."),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)

    def clean_avatar(self):
        from config.images import image_validate

        upload = self.cleaned_data.get("avatar")
        if upload:
            self.avatar_format = image_validate(upload)
        return upload


class AccountDeleteForm(forms.Form):
    """Typing one's username confirms a deletion that cannot be undone."""

    username = forms.CharField(label=_("Your username"), max_length=150)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_username(self) -> str:
        typed = self.cleaned_data["username"].strip()
        if typed.lower() != self.user.username.lower():
            raise forms.ValidationError(_("This is not your username: your account was not deleted."))
        return typed
