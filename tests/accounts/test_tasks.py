from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import clear_expired_sessions


def test_expired_sessions_are_cleared_and_live_ones_kept(db):
    for expiry in (timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)):
        store = SessionStore()
        store.set_expiry(expiry)
        store.save()
    assert clear_expired_sessions.delay().get() == 1
    assert Session.objects.count() == 1
    assert clear_expired_sessions.delay().get() == 0  # idempotent


def test_beat_schedules_the_session_cleanup():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "accounts.clear_expired_sessions" in scheduled
