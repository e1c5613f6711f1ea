"""Username rules, shared by sign-up, social sign-up (both through the account adapter)
and the admin's user form.

A username is normalised with Unicode NFKC and lower-cased, then must be 3 to 30 of
a-z, 0-9, ".", "_", "-", starting with a letter or a digit. NFKC folds compatibility
forms, so a name typed in full-width letters (U+FF43...) becomes plain ASCII and is
accepted; anything still outside ASCII after it (a Cyrillic U+0430 standing for "a",
accented letters, zero-width joiners) is refused rather than silently dropped, so that
no name can pass for another one.

Reserved names are compared on their "skeleton", without dots, hyphens and underscores,
so "ad.min" is as reserved as "admin": ACCOUNT_USERNAME_BLACKLIST, the placeholder
"former-<n>" given to deleted accounts, and every community's slug and name ("Brand A"
reserves "branda", "brand-a", "brand_a", ...).
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30
_ALLOWED = re.compile(r"[a-z0-9._-]+")
_FORMER = re.compile(r"former\d+")
_SEPARATORS = re.compile(r"[._-]")


def username_normalize(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def username_skeleton(value: str) -> str:
    """What a name reduces to for comparisons with reserved names: ASCII letters and digits."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return re.sub(r"[^a-z0-9]", "", decomposed)


def username_validate(value: str, *, allow_reserved: bool = False) -> str:
    """The normalised username, or a ValidationError saying what is wrong with it.

    `allow_reserved` lets an operator (the admin's user form) give an account a reserved
    word or a community's name; the "former-<n>" placeholders stay refused even then.
    Uniqueness is not checked here (allauth's adapter and the database do it).
    """
    username = username_normalize(value)
    if not _ALLOWED.fullmatch(username):
        raise ValidationError(
            _(
                "Use only unaccented lower-case letters (a-z), digits, dots, hyphens and "
                "underscores; other alphabets and invisible characters are not allowed."
            ),
            code="username_characters",
        )
    if not USERNAME_MIN_LENGTH <= len(username) <= USERNAME_MAX_LENGTH:
        raise ValidationError(
            _("A username has between %(min)d and %(max)d characters.")
            % {"min": USERNAME_MIN_LENGTH, "max": USERNAME_MAX_LENGTH},
            code="username_length",
        )
    if not username[0].isalnum():
        raise ValidationError(_("A username starts with a letter or a digit."), code="username_start")
    skeleton = username_skeleton(username)
    if _FORMER.fullmatch(skeleton):
        raise ValidationError(_("This name is kept for deleted accounts."), code="username_reserved")
    if not allow_reserved and skeleton in _reserved_skeletons():
        raise ValidationError(_("This name is reserved. Please choose another one."), code="username_reserved")
    return username


def _reserved_skeletons() -> set[str]:
    from community.models import Community

    reserved = {username_skeleton(name) for name in settings.ACCOUNT_USERNAME_BLACKLIST}
    for name, slug in Community.objects.values_list("name", "slug"):
        reserved.add(username_skeleton(name))
        reserved.add(username_skeleton(slug))
    reserved.discard("")
    return reserved
