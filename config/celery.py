"""The Celery application; its settings are the CELERY_* names of config/settings.py."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every task claims its outbox job before the work and marks it done after (outbox/base.py).
app = Celery("cluetrain", task_cls="outbox.base:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _retire_broken_connections(task=None, **kwargs) -> None:
    """Workers keep their database connection between tasks (CELERY_DB_REUSE_MAX); Django's
    request hooks never run there, so retire broken or too old connections around each task.

    Not for tasks run eagerly: they live inside the caller's request or transaction."""
    if task is not None and task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()
