"""The outbox: background work recorded with the change that causes it, then handed to Celery.

`enqueue()` writes a `Job` in the caller's transaction and hands it to the broker once that
commits. Every Celery task of the project runs through `outbox.base.OutboxTask`, which
claims the job before the work (so a second copy of the message does nothing while the first
runs, and nothing once it is done) and marks it done after. `relay()`, run by beat, hands
over again what the broker lost (Redis down at the commit, a worker killed mid-task): a job
not started by its due time, or whose run stopped renewing its lease.

Work is therefore done at least once; tasks stay idempotent, keyed on the rows they write,
so that a second run never doubles what a member sees.

Why not a library: django-celery-outbox (the one maintained for Django + Celery) relays the
publish only and forgets a row once it is on the broker; what we need to know is whether the
work was *done*, since a worker killed mid-task loses it after the publish. This is that
difference and little more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from functools import partial
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from outbox.models import Job, JobState

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
# A job handed to the broker and not started by then is handed over again (the relay runs
# every RELAY_INTERVAL); each further hand-over waits twice as long, up to an hour, so that
# a long backlog is not flooded with copies.
FIRST_RESEND = timedelta(seconds=30)
LONGEST_RESEND = timedelta(hours=1)
RELAY_INTERVAL = timedelta(seconds=10)
RELAY_BATCH = 500
KEEP_DONE = timedelta(days=7)

# The job this run holds, and for how long each renewal holds it.
_current_job: ContextVar[tuple[int, timedelta] | None] = ContextVar("outbox_current_job", default=None)


def default_lease() -> timedelta:
    """How long a run holds its job without renewing it (`heartbeat`): past it, it is taken
    for dead and the job is handed over again. Long tasks renew it as they go."""
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def resend_delay(sends: int) -> timedelta:
    return min(FIRST_RESEND * (2 ** max(sends - 1, 0)), LONGEST_RESEND)


def enqueue(task_name: str, *args, key: str = "", countdown: int = 0, inline_if_broker_down: bool = False, **kwargs):
    """Record the work in the current transaction; hand it to Celery once that commits.

    With a `key`, work already waiting under that key (not started yet) is not added twice
    (returns None).
    `inline_if_broker_down` runs it in the request when the broker cannot take it (for an
    e-mail a person is waiting for, such as a sign-up's verification)."""
    fields = {
        "task": task_name,
        "args": list(args),
        "kwargs": kwargs,
        "key": key,
        "due_at": timezone.now() + timedelta(seconds=countdown) + FIRST_RESEND,
        "sends": 1,
    }
    if not key:
        job = Job.objects.create(**fields)
    elif Job.objects.filter(key=key, state=JobState.PENDING).exists():
        return None
    else:
        try:
            with transaction.atomic():
                job = Job.objects.create(**fields)
        except IntegrityError:  # the same key, added meanwhile by another request
            return None
    transaction.on_commit(partial(_hand_over, job.pk, task_name, list(args), kwargs, countdown, inline_if_broker_down))
    return job


def enqueue_many(task_name: str, calls: list[list]) -> list[Job]:
    """Many jobs of one task, one per argument list, in one statement (no keys)."""
    due_at = timezone.now() + FIRST_RESEND
    jobs = Job.objects.bulk_create([Job(task=task_name, args=list(args), due_at=due_at, sends=1) for args in calls])
    for job in jobs:
        transaction.on_commit(partial(_hand_over, job.pk, task_name, job.args, {}, 0, False))
    return jobs


def task_id_for(job_id: int) -> str:
    return f"{TASK_ID_PREFIX}{job_id}"


def job_id_of(task_id: str | None) -> int | None:
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    try:
        return int(task_id[len(TASK_ID_PREFIX) :])
    except ValueError:
        return None


def _task(task_name: str):
    from celery.exceptions import NotRegistered

    from config.celery import app

    try:
        return app.tasks[task_name]
    except NotRegistered:
        # A web process has not imported the tasks modules yet. Not through Celery's loader:
        # its Django fixup runs django.setup() and the system checks again, in the request,
        # and the logging configuration set up again drops the handlers added since.
        autodiscover_modules("tasks")
        for module in settings.CELERY_IMPORTS:
            import_module(module)
        return app.tasks[task_name]


def _hand_over(job_id: int, task_name: str, args: list, kwargs: dict, countdown: int, inline: bool) -> bool:
    task = _task(task_name)
    try:
        task.apply_async(tuple(args), kwargs, task_id=task_id_for(job_id), countdown=countdown or None)
        return True
    except Exception:  # the broker is down, or (run eagerly) the work failed: the job stays open
        logger.warning("Could not hand job %s (%s) to the broker; the relay will", job_id, task_name, exc_info=True)
    if inline:
        try:
            task.apply(tuple(args), kwargs, task_id=task_id_for(job_id), throw=True)
        except Exception:
            logger.exception("Job %s (%s) failed in the request; the relay will retry it", job_id, task_name)
    return False


def claim(job_id: int, lease: timedelta | None = None) -> bool:
    """Take the job for this run: it is waiting, or its last run stopped renewing its lease.
    False when it is done, given up, gone, or being run elsewhere."""
    lease = lease or default_lease()
    now = timezone.now()
    taken = (
        Job.objects.filter(pk=job_id)
        .filter(Q(state=JobState.PENDING) | Q(state=JobState.RUNNING, lease_until__lt=now))
        .update(state=JobState.RUNNING, lease_until=now + lease, attempts=F("attempts") + 1)
    )
    return taken == 1


def finish(job_id: int) -> None:
    Job.objects.filter(pk=job_id, state=JobState.RUNNING).update(
        state=JobState.DONE, done_at=timezone.now(), lease_until=None, last_error=""
    )


def release(job_id: int, *, retry_in: timedelta, error: str) -> None:
    """The run failed and Celery will retry it: back to waiting, the relay as a backstop.
    If the same work (its key) is waiting already, that newer job does it instead."""
    jobs = Job.objects.filter(pk=job_id, state=JobState.RUNNING)
    try:
        with transaction.atomic():
            jobs.update(
                state=JobState.PENDING,
                lease_until=None,
                due_at=timezone.now() + retry_in + FIRST_RESEND,
                last_error=error[:2000],
            )
    except IntegrityError:
        superseded = f"Superseded by a newer job. {error}"[:2000]
        jobs.update(state=JobState.DONE, done_at=timezone.now(), lease_until=None, last_error=superseded)


def give_up(job_id: int, *, error: str) -> None:
    Job.objects.filter(pk=job_id, state=JobState.RUNNING).update(
        state=JobState.FAILED, lease_until=None, done_at=timezone.now(), last_error=error[:2000]
    )


@contextmanager
def running(job_id: int, lease: timedelta | None = None) -> Iterator[None]:
    token = _current_job.set((job_id, lease or default_lease()))
    try:
        yield
    finally:
        _current_job.reset(token)


def heartbeat() -> None:
    """Called by long work between chunks: this run is alive, keep the job for another lease
    (the run's own: a task's `outbox_lease`, else OUTBOX_LEASE_SECONDS)."""
    current = _current_job.get()
    if current is not None:
        job_id, lease = current
        Job.objects.filter(pk=job_id, state=JobState.RUNNING).update(lease_until=timezone.now() + lease)


def relay(limit: int = RELAY_BATCH) -> int:
    """Hand over again the jobs no run has finished by their due time; returns how many."""
    now = timezone.now()
    with transaction.atomic():
        jobs = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(due_at__lte=now)
            .filter(Q(state=JobState.PENDING) | Q(state=JobState.RUNNING, lease_until__lt=now))
            .order_by("due_at")[:limit]
        )
        for job in jobs:
            if job.state == JobState.RUNNING:  # it stays so: `claim` takes a run that stopped renewing
                logger.warning("Job %s (%s) stopped without finishing; handing it over again", job.pk, job.task)
            job.sends += 1
            job.due_at = now + resend_delay(job.sends)
        Job.objects.bulk_update(jobs, ["sends", "due_at"])
    sent = 0
    for job in jobs:
        if not _hand_over(job.pk, job.task, job.args, job.kwargs, 0, False):
            break  # the broker is down: the rest wait for the next round
        sent += 1
    return sent


def purge_done(older_than: timedelta = KEEP_DONE) -> int:
    deleted, _ = Job.objects.filter(state=JobState.DONE, done_at__lt=timezone.now() - older_than).delete()
    return deleted
