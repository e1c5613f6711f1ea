"""The base class of every Celery task of the project (config/celery.py, task_cls).

A message sent for an outbox job (its task id is `outbox-<job id>`) claims the job before
the work and marks it done after; a copy that arrives while a run holds the job, or once it
is done, does nothing. Messages sent any other way (beat, a test calling `.delay`) run as
plain Celery tasks."""

from __future__ import annotations

import traceback
from datetime import timedelta

from celery import Task
from celery.exceptions import Retry


class OutboxTask(Task):
    # How long a run may go without `outbox.services.heartbeat()` before it is taken for dead;
    # None: OUTBOX_LEASE_SECONDS. A task class may hold its own.
    outbox_lease: timedelta | None = None

    def __call__(self, *args, **kwargs):
        from outbox import services

        job_id = services.job_id_of(self.request.id)
        if job_id is None:
            return super().__call__(*args, **kwargs)
        lease = self.outbox_lease or services.default_lease()
        if not services.claim(job_id, lease):
            return None
        try:
            with services.running(job_id, lease):
                result = super().__call__(*args, **kwargs)
        except Retry as retry:
            when = retry.when
            seconds = when if isinstance(when, int | float) else 0
            services.release(job_id, retry_in=timedelta(seconds=seconds), error=str(retry.exc or retry))
            raise
        except BaseException as error:
            # SoftTimeLimitExceeded and the like included; a killed process never gets here,
            # and the relay takes its job back when the lease runs out.
            if self._will_retry(error):
                services.release(job_id, retry_in=timedelta(0), error=_describe(error))
            else:
                services.give_up(job_id, error=_describe(error))
            raise
        services.finish(job_id)
        return result

    def _will_retry(self, error: BaseException) -> bool:
        # Celery's autoretry wraps `run` and turns the error into Retry before it reaches
        # here; what arrives is final, except a KeyboardInterrupt/SystemExit of a worker
        # shutting down, which the broker gives back (acks_late).
        return isinstance(error, KeyboardInterrupt | SystemExit)


def _describe(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()
