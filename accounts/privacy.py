"""Privacy (PRODUCT.md §7): a member's data export, and the deletion of their account.

The export is a zip archive: `data.json` (everything we hold about the member, as
structured data they can take elsewhere) and, beside it, the pictures they uploaded
(avatar, idea images), which do not belong in JSON. Zip also compresses the JSON and
makes every browser save the file instead of showing it. The archive lives under
PRIVATE_MEDIA_ROOT, never MEDIA_ROOT: only the signed, signed-in download view hands it
out, and the `privacy.purge_exports` sweeper deletes it when it expires.

Deleting an account erases the person and keeps the community's record: ideas, comments
and official responses stay under "Former member", votes stay so that every count stays
exact, moderation decisions and flags stay (they are an audit log). The user row stays
too, emptied, so that all of those keep pointing at one anonymous author.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import signing
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import events
from accounts.models import BadgeAward, DataExport, PointEvent, Reputation, User
from accounts.reputation import leaderboards_forget
from community.models import Community
from community.selectors import community_url
from outbox import services as outbox

logger = logging.getLogger(__name__)

EXPORT_SALT = "accounts.privacy.export"
EXPORT_LIFETIME = timedelta(days=7)
EXPORT_INTERVAL = timedelta(hours=1)
EXPORTS_DIR = "exports"
FORMER_USERNAME_PREFIX = "former-"


class ExportRefused(Exception):
    """The member asked for an export too soon; the message is shown to them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Export: request, build, download -----------------------------------------------------


def export_request(*, user: User, community: Community | None) -> DataExport:
    """Record a request and queue `privacy.build_export` once it commits.

    One request per member per hour: building an archive reads everything the member
    ever did, so a double click or a script must not queue it again and again. The
    member's row is locked so that two simultaneous requests cannot both pass the check.
    """

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
        if DataExport.objects.filter(user=user, requested_at__gte=timezone.now() - EXPORT_INTERVAL).exists():
            raise ExportRefused(
                _(
                    "You already asked for a copy of your data less than an hour ago. "
                    "Check your e-mail, or try again later."
                )
            )
        export = DataExport.objects.create(user=user, community=community)
        outbox.enqueue("privacy.build_export", export.pk)
    return export


def export_build(export_id: int) -> bool:
    """Write the member's archive, mark the export ready and e-mail them the link.

    The body of the `privacy.build_export` task. Idempotent: an export already ready, or
    gone (purged, or its member deleted), is left alone; two runs at once write the same
    file and only the one that marks the row ready sends the e-mail.
    """
    export = DataExport.objects.select_related("user", "community").filter(pk=export_id).first()
    if export is None or export.ready_at is not None or export.user.is_former:
        return False
    user, community = export.user, export.community
    relative = f"{EXPORTS_DIR}/{user.pk}/{export.pk}.zip"
    size = _archive_write(user, Path(settings.PRIVATE_MEDIA_ROOT) / relative, language=_language_of(user, community))
    now = timezone.now()
    ready = {"ready_at": now, "expires_at": now + EXPORT_LIFETIME, "path": relative, "size": size}
    marked = DataExport.objects.filter(pk=export.pk, ready_at__isnull=True).update(**ready)
    for field, value in ready.items():
        setattr(export, field, value)
    if marked and user.email:
        _export_ready_mail(export, user, community)
    return bool(marked)


def export_token(export: DataExport) -> str:
    return signing.dumps([export.pk, export.user_id], salt=EXPORT_SALT, compress=False)


def export_token_read(token: str) -> tuple[int, int]:
    """The (export id, member id) a link was made for.

    Raises `signing.SignatureExpired` after EXPORT_LIFETIME, `signing.BadSignature` if
    the token was altered.
    """
    value = signing.loads(token, salt=EXPORT_SALT, max_age=EXPORT_LIFETIME)
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(part, int) for part in value)):
        raise signing.BadSignature("Malformed export token")
    return value[0], value[1]


def export_file_for(*, user: User, export_id: int) -> tuple[DataExport, Path] | None:
    """The member's own ready, unexpired export and its file; None once it is gone."""
    export = DataExport.objects.filter(
        pk=export_id, user=user, ready_at__isnull=False, expires_at__gt=timezone.now()
    ).first()
    if export is None or not export.path:
        return None
    path = Path(settings.PRIVATE_MEDIA_ROOT) / export.path
    return (export, path) if path.is_file() else None


def latest_export(user: User) -> DataExport | None:
    return DataExport.objects.filter(user=user).first()


def exports_purge() -> int:
    """Delete expired exports, files first, and requests never built within a lifetime.

    Run daily by beat (`privacy.purge_exports`); running it twice deletes nothing more.
    """
    now = timezone.now()
    expired = DataExport.objects.filter(expires_at__lt=now) | DataExport.objects.filter(
        ready_at__isnull=True, requested_at__lt=now - EXPORT_LIFETIME
    )
    rows = list(expired.values_list("pk", "path"))
    for _pk, path in rows:
        _export_file_delete(path)
    DataExport.objects.filter(pk__in=[pk for pk, _path in rows]).delete()
    return len(rows)


def _export_file_delete(relative: str) -> None:
    if relative:
        (Path(settings.PRIVATE_MEDIA_ROOT) / relative).unlink(missing_ok=True)


def _language_of(user: User, community: Community | None) -> str:
    if user.language:
        return user.language
    return community.default_language if community is not None else settings.LANGUAGE_CODE


def _export_ready_mail(export: DataExport, user: User, community: Community | None) -> None:
    language = _language_of(user, community)
    context = {
        "community": community,
        "name": user.public_name,
        "url": community_url(community, reverse("privacy_export_download", args=[export_token(export)])),
        "privacy_url": community_url(community, reverse("privacy")),
        "home_url": community_url(community, "/"),
        "expires_at": export.expires_at,
        "LANGUAGE_CODE": language,
    }
    with translation.override(language):
        subject = " ".join(render_to_string("emails/data_export_subject.txt", context).split())
        text = render_to_string("emails/data_export_body.txt", context)
        html = render_to_string("emails/data_export_body.html", context)
    if community is not None:
        subject = f"[{community.name}] {subject}"
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()


# --- What goes in the archive -------------------------------------------------------------


def _archive_write(user: User, target: Path, *, language: str) -> int:
    """Write the archive next to its final place, then move it there in one step, so
    that a crash never leaves half an archive behind a ready export. Returns its size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with translation.override(language):
        data = export_data(user)
    files = _member_files(user)
    data["files"] = sorted(files)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
            for name, field in files.items():
                try:
                    with field.open("rb") as source:
                        archive.writestr(name, source.read())
                except OSError:
                    logger.warning("Export of member %s: %s is missing from storage", user.pk, field.name)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def _member_files(user: User) -> dict[str, FieldFile]:
    """The pictures the member uploaded, by their name in the archive."""
    from ideas.models import IdeaImage

    files: dict[str, FieldFile] = {}
    if user.avatar:
        files[f"avatar{Path(user.avatar.name).suffix}"] = user.avatar
    for image in IdeaImage.objects.filter(idea__author=user).only("pk", "idea_id", "image"):
        files[f"ideas/{image.idea_id}/{image.pk}{Path(image.image.name).suffix}"] = image.image
    return files


def idea_reference(idea: Any, user: User) -> dict[str, Any]:
    """An idea named by id and title only; the title of someone else's idea that is no
    longer public (rejected, hidden) is left out, as the member could no longer see it."""
    from ideas.models import ModerationState

    visible = idea.author_id == user.pk or idea.moderation_state == ModerationState.APPROVED
    return {"id": idea.pk, "title": idea.title if visible else None}


# Sections of the export that apps above this one add (name → the member's rows), so that
# this module needs to know none of them (notifications/subscribers.py adds its own).
EXPORT_SECTIONS: dict[str, Callable[[User], list]] = {}


def export_section(name: str) -> Callable[[Callable[[User], list]], Callable[[User], list]]:
    def register(collect: Callable[[User], list]) -> Callable[[User], list]:
        EXPORT_SECTIONS[name] = collect
        return collect

    return register


def export_data(user: User) -> dict[str, Any]:
    """Everything we hold about the member, and nothing about anyone else.

    Other people appear only through the ideas the member acted on, by id and title:
    no other member's name, e-mail or text, no moderator's identity, and for
    notifications only the kind and the idea (their frozen text quotes other members).
    Labels are in the current language.
    """
    from allauth.account.models import EmailAddress

    from community.models import Flag, Membership, ModerationDecision, Sanction
    from ideas.models import Comment, Follow, Idea, OfficialResponse, Vote

    ideas = (
        Idea.objects.filter(author=user)
        .select_related("community", "status", "category")
        .prefetch_related("tags")
        .order_by("created_at", "pk")
    )
    comments = Comment.objects.filter(author=user).select_related("idea").order_by("created_at", "pk")
    votes = Vote.objects.filter(user=user).select_related("idea").order_by("created_at", "pk")
    follows = Follow.objects.filter(user=user).select_related("idea").order_by("created_at", "pk")
    decisions = ModerationDecision.objects.filter(item__author=user).select_related("item").order_by("created_at", "pk")
    flags = Flag.objects.filter(flagger=user).select_related("idea").order_by("created_at", "pk")
    responses = OfficialResponse.objects.filter(author=user).select_related("idea").order_by("created_at", "pk")
    return {
        "format": "cluetrain-data-export/1",
        "generated_at": timezone.now(),
        "profile": {
            "username": user.username,
            "email": user.email,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "display_name": user.display_name,
            "bio": user.bio,
            "language": user.language,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "memberships": [
            {
                "community": membership.community.name,
                "role": membership.get_role_display(),
                "since": membership.created_at,
            }
            for membership in Membership.objects.filter(user=user).select_related("community").order_by("pk")
        ],
        "ideas": [
            {
                "id": idea.pk,
                "community": idea.community.name,
                "title": idea.title,
                "body": idea.body,
                "status": idea.status.name,
                "category": idea.category.name if idea.category else None,
                "tags": sorted(tag.name for tag in idea.tags.all()),
                "moderation_state": idea.get_moderation_state_display(),
                "created_at": idea.created_at,
                "updated_at": idea.updated_at,
            }
            for idea in ideas
        ],
        "comments": [
            {
                "id": comment.pk,
                "idea": idea_reference(comment.idea, user),
                "reply_to_comment": comment.parent_id,
                "body": comment.body,
                "moderation_state": comment.get_moderation_state_display(),
                "created_at": comment.created_at,
                "edited_at": comment.edited_at,
                "deleted_at": comment.deleted_at,
            }
            for comment in comments
        ],
        "votes": [
            {"idea": idea_reference(vote.idea, user), "value": vote.value, "created_at": vote.created_at}
            for vote in votes
        ],
        "follows": [{"idea": idea_reference(follow.idea, user), "created_at": follow.created_at} for follow in follows],
        # Sections of the apps built on this one (notifications): `export_section`.
        **{name: collect(user) for name, collect in EXPORT_SECTIONS.items()},
        "moderation_decisions": [
            {
                "content": {
                    "kind": decision.item.kind,
                    "id": decision.item.idea_id if decision.item.kind == "idea" else decision.item.comment_id,
                },
                "outcome": decision.get_outcome_display(),
                "message": decision.message,
                "created_at": decision.created_at,
            }
            for decision in decisions
        ],
        "flags": [
            {
                "idea": idea_reference(flag.idea, user) if flag.idea else None,
                "comment": flag.comment_id,
                "reason": flag.get_reason_display(),
                "note": flag.note,
                "upheld": flag.upheld,
                "created_at": flag.created_at,
            }
            for flag in flags
        ],
        "official_responses": [
            {
                "idea": idea_reference(response.idea, user),
                "body": response.body,
                "state": response.get_state_display(),
                "created_at": response.created_at,
                "published_at": response.published_at,
            }
            for response in responses
        ],
        "sanctions": [
            {
                "community": sanction.community.name,
                "kind": sanction.get_kind_display(),
                "reason": sanction.reason,
                "until": sanction.until,
                "created_at": sanction.created_at,
                "lifted_at": sanction.lifted_at,
            }
            for sanction in Sanction.objects.filter(user=user).select_related("community").order_by("created_at")
        ],
        "points": {
            "totals": [
                {"community": reputation.community.name, "points": reputation.points}
                for reputation in Reputation.objects.filter(user=user).select_related("community").order_by("pk")
            ],
            "events": [
                {
                    "community": event.community.name,
                    "kind": event.get_kind_display(),
                    "points": event.points,
                    "created_at": event.created_at,
                }
                for event in PointEvent.objects.filter(user=user).select_related("community").order_by("created_at")
            ],
        },
        "badges": [
            {"community": award.community.name, "badge": award.get_badge_display(), "awarded_at": award.awarded_at}
            for award in BadgeAward.objects.filter(user=user).select_related("community")
        ],
    }


# --- Account deletion ---------------------------------------------------------------------


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Erase the member's personal data and close the account, keeping their content.

    Kept: the user row (emptied, named `former-<id>` so that the old username is free
    again), ideas, comments and official responses (shown as "Former member"), votes (so
    that every count stays exact), flags, sanctions and moderation decisions (audit log).
    Erased: e-mail addresses, names, bio, avatar files, language, social accounts,
    notification preferences and inbox, memberships, points and badges (a former member
    has no standing to show), data exports and their files, their name in other members'
    notifications, the IP addresses recorded with their posts, and their sessions.
    Follows are deleted: they only serve to notify a member who is no longer there.

    The caller signs the member out of the current request. Files are deleted once the
    transaction commits, so that a rollback loses nothing. Idempotent.
    """
    from allauth.account.models import EmailAddress

    from community.cache import member_content_changed
    from community.models import Membership, ModerationItem
    from ideas.models import Follow, IdeaStats

    User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
    user.refresh_from_db()
    if user.is_former:
        return
    media_files = [field.name for field in (user.avatar, user.avatar_source) if field]
    export_files = list(DataExport.objects.filter(user=user).values_list("path", flat=True))

    EmailAddress.objects.filter(user=user).delete()
    if apps.is_installed("allauth.socialaccount"):
        from allauth.socialaccount.models import SocialAccount

        SocialAccount.objects.filter(user=user).delete()
    # What other apps hold of them (their inbox, their name in others' notifications).
    events.publish("member.erased", community_id=None, subject=user, public=False)
    followed = list(Follow.objects.filter(user=user).values_list("idea_id", flat=True))
    Follow.objects.filter(user=user).delete()
    IdeaStats.objects.filter(pk__in=followed).update(followers=F("followers") - 1)
    user.mentioned_in.clear()
    member_content_changed(user)  # their content now shows under "Former member"
    Membership.objects.filter(user=user).delete()
    ranked_in = list(Reputation.objects.filter(user=user).values_list("community_id", flat=True))
    PointEvent.objects.filter(user=user).delete()
    Reputation.objects.filter(user=user).delete()
    BadgeAward.objects.filter(user=user).delete()
    DataExport.objects.filter(user=user).delete()
    ModerationItem.objects.filter(author=user).update(ip=None, user_agent="")
    _sessions_delete(user)

    user.username = f"{FORMER_USERNAME_PREFIX}{user.pk}"
    user.email = ""
    user.first_name = user.last_name = user.display_name = user.bio = user.language = ""
    user.avatar = user.avatar_source = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.deleted_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()

    def delete_files() -> None:
        for name in media_files:
            default_storage.delete(name)
        for path in export_files:
            _export_file_delete(path)

    transaction.on_commit(delete_files)
    transaction.on_commit(lambda: leaderboards_forget(ranked_in))


def _sessions_delete(user: User) -> None:
    """Delete the member's sessions on every device.

    Django's sessions cannot be searched by member, so each live session is
    decoded: slow on a very large site, but an account is deleted rarely. Even a session
    this misses is dead: the member is inactive and their password hash has changed.
    """
    from django.contrib.sessions.models import Session

    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=1000)
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:  # through the engine: a cached session goes from the cache too
        session_store(session_key=key).delete()
