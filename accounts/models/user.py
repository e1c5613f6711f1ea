"""The member account. Custom from the first migration so that it can grow freely."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

BIO_MAX_LENGTH = 500


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class User(AbstractUser):
    # allauth keeps usernames lowercase on sign-up; the constraints hold for every other
    # path too (admin, shell, import).
    email = models.EmailField(_("e-mail address"), blank=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, blank=True)
    bio = models.TextField(_("about me"), max_length=BIO_MAX_LENGTH, blank=True)
    # The square, resized picture others see (made by the `media.make_avatar` task from
    # `avatar_source`, the upload stripped of its metadata, deleted once it is made).
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    avatar_source = models.ImageField(upload_to="avatars/sources/", blank=True, editable=False)
    # Set when the member deleted their account: the row stays (their votes still count,
    # their content stays under "former member"), every personal detail is erased.
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("A user with this e-mail address already exists."),
            ),
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message=_("A user with this username already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def public_name(self) -> str:
        """What other members see: the display name, or the username when there is none."""
        if self.deleted_at is not None:
            return str(_("Former member"))
        return self.display_name or self.username

    @property
    def is_former(self) -> bool:
        return self.deleted_at is not None
