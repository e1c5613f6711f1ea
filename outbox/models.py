"""One row per piece of background work that carries a promise (docs/reliability.md).

The row is written in the transaction of the change that causes the work, so the work
exists exactly when the change does; Celery only carries it. The row says whether the work
is done: a job handed to a broker that lost it, or started by a worker that died, is handed
over again by the relay (outbox.services.relay) until a run marks it done."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    PENDING = "pending", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("given up")


OPEN = (JobState.PENDING, JobState.RUNNING)


class Job(models.Model):
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    # Work with the same key is the same work: while one such job waits, another is not added
    # (one that runs already may have read the state before the newer change: it does not count).
    key = models.CharField(_("key"), max_length=200, blank=True, default="")
    state = models.CharField(_("state"), max_length=10, choices=JobState.choices, default=JobState.PENDING)
    # When the relay hands the job (again) to the broker if no run has started or finished it.
    due_at = models.DateTimeField(_("due"))
    # A run holds the job until then; past it, the run is taken for dead.
    lease_until = models.DateTimeField(_("held until"), null=True, blank=True)
    sends = models.PositiveIntegerField(_("times handed to the broker"), default=0)
    attempts = models.PositiveIntegerField(_("runs started"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(state=JobState.PENDING) & ~Q(key=""),
                name="outbox_one_waiting_job_per_key",
            )
        ]
        indexes = [models.Index(fields=["due_at"], condition=Q(state__in=OPEN), name="outbox_open_due")]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
