"""Profiles: what a member says about themselves, their avatar, and their public page."""

from __future__ import annotations

import io
import re
import unicodedata

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from PIL import Image, ImageOps

from accounts.member_cache import member_changed
from accounts.models import BadgeAward, Reputation, User
from community.cache import member_content_changed
from community.models import Community
from outbox import services as outbox

AVATAR_SIZE = 256


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str,
    bio: str,
    language: str,
    avatar: UploadedFile | None = None,
    avatar_format: str = "",
    remove_avatar: bool = False,
) -> User:
    """Save the profile. A new avatar (already judged by the form) is stored without its
    metadata and resized by the `media.make_avatar` task once committed."""
    from config.images import image_without_metadata

    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.language = language
    fields = ["display_name", "bio", "language"]
    if remove_avatar or avatar is not None:
        _avatar_files_delete(user)
        fields += ["avatar", "avatar_source"]
    if avatar is not None:
        user.avatar_source.save(
            f"{user.pk}.{avatar_format.lower()}", image_without_metadata(avatar, avatar_format), save=False
        )
    user.save(update_fields=fields)
    member_content_changed(user)  # their name shows on their ideas and comments
    if avatar is not None:
        outbox.enqueue("media.make_avatar", user.pk, key=f"avatar:{user.pk}")
    return user


def _avatar_files_delete(user: User) -> None:
    for field in (user.avatar, user.avatar_source):
        if field:
            field.delete(save=False)


def avatar_make(user_id: int) -> bool:
    """Turn the member's stored upload into the square avatar; True if one was made.
    Idempotent: with no upload waiting, nothing happens."""
    user = User.objects.filter(pk=user_id).only("pk", "avatar", "avatar_source").first()
    if user is None or not user.avatar_source:
        return False
    with user.avatar_source.open("rb") as source, Image.open(source) as image:
        image.seek(0)
        square = ImageOps.fit(image.convert("RGB"), (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
        output = io.BytesIO()
        square.save(output, format="WEBP", quality=85)
    if user.avatar:
        user.avatar.delete(save=False)
    user.avatar.save(f"{user.pk}.webp", ContentFile(output.getvalue()), save=False)
    user.avatar_source.delete(save=False)
    User.objects.filter(pk=user.pk).update(avatar=user.avatar.name, avatar_source="")
    member_changed(user.pk)  # an update() sends no signal: the header's avatar is cached
    member_content_changed(user)  # their picture shows beside their ideas and comments
    return True


# --- The public page ---------------------------------------------------------------------


def public_member(username: str) -> User | None:
    """An active member by username (any case); former members have no page."""
    return User.objects.filter(username__iexact=username, is_active=True, deleted_at__isnull=True).first()


def member_ideas(user: User, community: Community) -> QuerySet:
    from ideas.selectors import listed_ideas

    return listed_ideas(community).filter(author=user).order_by("-stats__created_at", "-pk")


def member_comments(user: User, community: Community) -> QuerySet:
    """Public comments: approved, not deleted, on a public idea of this community."""
    from ideas.models import Comment, ModerationState

    return (
        Comment.objects.filter(
            author=user,
            idea__community=community,
            idea__moderation_state=ModerationState.APPROVED,
            moderation_state=ModerationState.APPROVED,
            deleted_at__isnull=True,
        )
        .select_related("idea")
        .order_by("-created_at", "-pk")
    )


def member_standing(user: User, community: Community) -> dict:
    """Points and badges in this community."""
    points = Reputation.objects.filter(user=user, community=community).values_list("points", flat=True).first() or 0
    badges = list(BadgeAward.objects.filter(user=user, community=community))
    return {"points": points, "badges": badges}


# --- Initials avatar ---------------------------------------------------------------------

AVATAR_COLOURS = ("#1f4e79", "#0c7c59", "#8e3b46", "#6b4e9b", "#b45309", "#0f766e", "#9d174d", "#374151")


# A bracketed part says what the member does, not who they are: "Camille (membre)".
BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# A word of letters (any script), an apostrophe inside it allowed; digits, emoji and
# punctuation separate words and are never initials.
LETTER_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def initials_of(name: str, *, fallback: str = "") -> str:
    """The first letters of the first two words of letters in `name`, else in `fallback`
    (the username), else "?": "Camille Martin" → "CM", "Camille (membre)" → "C",
    "voyageur-004" → "V"."""
    for text in (name, fallback):
        words = LETTER_WORD.findall(BRACKETED.sub(" ", unicodedata.normalize("NFC", text)))
        if words:
            return "".join(_capital(word[0]) for word in words[:2])
    return "?"


def _capital(letter: str) -> str:
    upper = letter.upper()
    return upper if len(upper) == 1 else letter  # "ß" stays one letter


def colour_of(key: str) -> str:
    """A stable colour per member, from their username (all these pass WCAG AA with white)."""
    return AVATAR_COLOURS[sum(key.encode()) % len(AVATAR_COLOURS)]
