"""Tasks of the accounts app: housekeeping (scheduled by beat), avatars, members' data exports,
badges and leaderboards."""

from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts import privacy
from accounts.profiles import avatar_make
from accounts.reputation import badges_check, leaderboards_refresh
from accounts.submissions import submissions_purge


@shared_task(name="accounts.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete expired sessions; running it twice deletes nothing more."""
    deleted, _by_model = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(name="accounts.purge_submitted_forms")
def purge_submitted_forms() -> int:
    """Forget form keys older than a day (accounts.submissions); idempotent."""
    return submissions_purge()


@shared_task(name="media.make_avatar", autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def make_avatar(user_id: int) -> bool:
    return avatar_make(user_id)


@shared_task(name="privacy.build_export", autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def build_export(export_id: int) -> bool:
    return privacy.export_build(export_id)


@shared_task(name="privacy.purge_exports")
def purge_exports() -> int:
    return privacy.exports_purge()


@shared_task(name="reputation.check_badges")
def check_badges(user_id: int, community_id: int, announce: bool = True) -> int:
    """Queued after a member's points commit; idempotent (a badge is awarded once)."""
    return len(badges_check(user_id, community_id, announce=announce))


@shared_task(name="reputation.check_badges_many")
def check_badges_many(members: list[tuple[int, int]], announce: bool = True) -> int:
    """`check_badges` for many (user_id, community_id) pairs, queued once by a batch of awards."""
    return sum(len(badges_check(user_id, community_id, announce=announce)) for user_id, community_id in members)


@shared_task(name="reputation.refresh_leaderboards")
def refresh_leaderboards() -> int:
    """Beat, every 10 minutes: fresh boards in the cache, and new ambassadors."""
    return leaderboards_refresh()
