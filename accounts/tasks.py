"""Tasks of the accounts app: housekeeping (scheduled by beat) and avatars."""

from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.profiles import avatar_make


@shared_task(name="accounts.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete expired sessions; running it twice deletes nothing more."""
    deleted, _by_model = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(name="media.make_avatar", autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def make_avatar(user_id: int) -> bool:
    return avatar_make(user_id)
