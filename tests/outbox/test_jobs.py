"""The outbox's promises, through what members and workers touch (docs/reliability.md).

Work is recorded as a job in the transaction of the change that causes it, and exists
exactly when that change does. A broker down at the commit delays the work, never loses
it: the relay hands over every job not started by its due time, or whose run stopped
renewing its lease. A message for a job claims it first, so a second copy does nothing
while a run holds it or once it is done. Tasks run eagerly here (the test default); the
fault tests (test_faults.py) do the same with real workers and a real Redis going down.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app
from config.mail import send_message
from ideas.models import Comment
from ideas.services import comment_create
from notifications.models import Kind, Notification
from outbox.base import OutboxTask
from outbox.models import Job, JobState
from outbox.services import enqueue, purge_done, relay, task_id_for
from tests.factories import MembershipFactory, SanctionFactory, UserFactory, login_with_mfa

pytestmark = pytest.mark.django_db

COMMENT = "Et des prises USB-C, surtout."


def jobs(task: str) -> list[Job]:
    return list(Job.objects.filter(task=task).order_by("pk"))


def make_due(*jobs_to_move: Job) -> None:
    """Move the jobs' due time to now, as if the relay's wait had passed."""
    Job.objects.filter(pk__in=[job.pk for job in jobs_to_move]).update(due_at=timezone.now())


@pytest.fixture
def broker_down(monkeypatch):
    """Every hand-over to the broker fails as when Redis is unreachable; `.up()` ends it."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(OutboxTask, "apply_async", refuse)

    class Broker:
        @staticmethod
        def up() -> None:
            monkeypatch.undo()

    return Broker()


@pytest.fixture
def commenter(community_a, idea_a):
    """A member signed in, about to comment on idea_a; the jobs of idea_a's own posting
    (never run: nothing committed) are set aside."""
    user = UserFactory(username="camille")
    MembershipFactory(user=user, community=community_a)
    client = Client()
    client.force_login(user)
    Job.objects.all().delete()
    return user, client


def post_comment(client, idea):
    return client.post(reverse("ideas:comment", args=[idea.pk]), {"body": COMMENT})


def failing_delivery(*args, **kwargs):
    raise smtplib.SMTPServerDisconnected("The SMTP server hung up.")


class FailingBackend:
    """An EMAIL_DELIVERY_BACKEND whose server always hangs up."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    send_messages = staticmethod(failing_delivery)


def a_mail_job(broker_down, django_capture_on_commit_callbacks) -> Job:
    """Two e-mails queued together while the broker is down (a fan-out's chunk): their jobs
    wait. Returns the first, with the broker back."""
    with django_capture_on_commit_callbacks(execute=True):
        mail.send_mass_mail(
            [("Bonjour", "Votre idée avance.", None, [to]) for to in ("lea@example.test", "tom@example.test")]
        )
    first, second = jobs("mail.send_message")
    assert (first.state, second.state) == (JobState.PENDING, JobState.PENDING)
    broker_down.up()
    return first


# --- Recorded with the change -------------------------------------------------------------


def test_it_records_the_check_with_the_comment_and_the_delivery_with_the_approval(
    commenter, idea_a, member_a, django_capture_on_commit_callbacks
):
    _user, client = commenter
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = post_comment(client, idea_a)
    assert answer.status_code == 302
    comment = Comment.objects.get(body=COMMENT)
    # Committed with the comment, and not run yet (that is the broker's part).
    [check] = jobs("moderation.check_item")
    assert check.state == JobState.PENDING
    assert jobs("notifications.deliver") == []

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    check.refresh_from_db()
    assert check.state == JobState.DONE
    # The approval records the news in its own transaction; it ran once and is done.
    delivery = Job.objects.get(task="notifications.deliver", key=f"notify:comment:{comment.pk}")
    assert (delivery.state, delivery.attempts) == (JobState.DONE, 1)
    assert Notification.objects.filter(recipient=member_a, kind=Kind.COMMENT_ON_MINE).count() == 1


def test_a_refused_comment_records_no_job(commenter, community_a, idea_a, django_capture_on_commit_callbacks):
    user, client = commenter
    SanctionFactory(community=community_a, user=user)
    with django_capture_on_commit_callbacks(execute=True):
        answer = post_comment(client, idea_a)
    assert answer.status_code == 403
    assert not Comment.objects.filter(body=COMMENT).exists()
    assert not Job.objects.exists()


def test_a_comment_rolled_back_leaves_no_job(commenter, idea_a, django_capture_on_commit_callbacks):
    user, _client = commenter
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        comment_create(idea=idea_a, author=user, body=COMMENT)
        assert Job.objects.count() == 1
        raise RuntimeError("the request failed after the comment")
    assert callbacks == []
    assert not Comment.objects.exists()
    assert not Job.objects.exists()


# --- Broker down at the commit ------------------------------------------------------------


def test_with_the_broker_down_the_post_succeeds_and_the_relay_delivers_later(
    commenter, idea_a, member_a, broker_down, django_capture_on_commit_callbacks, caplog
):
    _user, client = commenter
    with django_capture_on_commit_callbacks(execute=True):
        answer = post_comment(client, idea_a)

    comment = Comment.objects.get(body=COMMENT)
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"#comment-{comment.pk}")
    [check] = jobs("moderation.check_item")
    assert check.state == JobState.PENDING
    assert "Could not hand job" in caplog.text
    assert not Notification.objects.exists()

    assert relay() == 0  # not due yet: it might still be on its way
    broker_down.up()
    make_due(check)
    with django_capture_on_commit_callbacks(execute=True):
        assert relay() == 1

    check.refresh_from_db()
    assert (check.state, check.sends, check.attempts) == (JobState.DONE, 2, 1)
    assert Job.objects.get(key=f"notify:comment:{comment.pk}").state == JobState.DONE
    told = Notification.objects.filter(recipient=member_a, key=f"comment:{comment.pk}")
    assert told.count() == 1
    assert [message.to for message in mail.outbox] == [[member_a.email]]  # comments on mine: immediate


def test_a_lone_email_is_sent_in_the_request_when_the_broker_is_down(broker_down, django_capture_on_commit_callbacks):
    # (a sign-up's verification: the person is waiting for it)
    with django_capture_on_commit_callbacks(execute=True):
        mail.send_mail("Confirmez votre adresse", "Cliquez sur le lien.", None, ["lea@example.test"])
    [job] = jobs("mail.send_message")
    assert (job.state, job.attempts) == (JobState.DONE, 1)
    assert [message.to for message in mail.outbox] == [["lea@example.test"]]


def test_the_relay_stops_at_the_first_hand_over_that_fails(broker_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mail.send_mass_mail([("Un", "1", None, ["a@example.test"]), ("Deux", "2", None, ["b@example.test"])])
    make_due(*jobs("mail.send_message"))
    assert relay() == 0
    # The round counts as a hand-over for all it took: the next one waits twice as long.
    assert [job.sends for job in jobs("mail.send_message")] == [2, 2]
    assert all(job.due_at > timezone.now() + timedelta(seconds=30) for job in jobs("mail.send_message"))


# --- Copies, leases, failures ---------------------------------------------------------------


def test_a_second_copy_of_a_done_mail_job_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mail.send_mail("Bonjour", "Votre idée avance.", None, ["lea@example.test"])
    [job] = jobs("mail.send_message")
    assert job.state == JobState.DONE
    assert len(mail.outbox) == 1

    send_message.apply_async(job.args, task_id=task_id_for(job.pk))  # the broker delivers it again

    assert len(mail.outbox) == 1
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.DONE, 1)


def test_a_message_keeps_its_message_id_when_sent_again(broker_down, django_capture_on_commit_callbacks):
    job = a_mail_job(broker_down, django_capture_on_commit_callbacks)
    message_id = job.args[0]["headers"]["Message-ID"]
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, lease_until=timezone.now() - timedelta(seconds=1))
    make_due(job)
    relay()
    assert [message.extra_headers["Message-ID"] for message in mail.outbox] == [message_id]


def test_a_job_whose_run_stopped_renewing_its_lease_is_handed_over_and_finished(
    broker_down, django_capture_on_commit_callbacks
):
    job = a_mail_job(broker_down, django_capture_on_commit_callbacks)
    # A worker took it, then died: it holds the job no more once its lease has run out.
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, attempts=1, lease_until=timezone.now() - timedelta(seconds=1)
    )
    make_due(job)

    assert relay() == 1

    job.refresh_from_db()
    assert (job.state, job.attempts, job.sends) == (JobState.DONE, 2, 2)
    assert job.lease_until is None
    assert len(mail.outbox) == 1


def test_a_job_held_by_a_live_run_is_not_run_by_a_copy(broker_down, django_capture_on_commit_callbacks):
    job = a_mail_job(broker_down, django_capture_on_commit_callbacks)
    held_until = timezone.now() + timedelta(minutes=1)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=1, lease_until=held_until)
    make_due(job)

    assert relay() == 0  # not handed over while its run is alive
    send_message.apply_async(job.args, task_id=task_id_for(job.pk))  # a copy arrives anyway

    job.refresh_from_db()
    assert (job.state, job.attempts, job.lease_until) == (JobState.RUNNING, 1, held_until)
    assert mail.outbox == []


def test_the_lease_is_read_from_the_settings(settings, broker_down, django_capture_on_commit_callbacks, monkeypatch):
    settings.OUTBOX_LEASE_SECONDS = 7
    job = a_mail_job(broker_down, django_capture_on_commit_callbacks)
    seen = {}

    def deliver(messages):
        seen["lease_until"] = Job.objects.get(pk=job.pk).lease_until
        return 1

    monkeypatch.setattr("config.mail.deliver", deliver)
    before = timezone.now()
    send_message.apply_async(job.args, task_id=task_id_for(job.pk))
    assert before + timedelta(seconds=7) <= seen["lease_until"] <= timezone.now() + timedelta(seconds=7)


def test_a_failed_try_goes_back_to_waiting_for_the_retry_or_the_relay(
    settings, broker_down, django_capture_on_commit_callbacks
):
    job = a_mail_job(broker_down, django_capture_on_commit_callbacks)
    settings.EMAIL_DELIVERY_BACKEND = "tests.outbox.test_jobs.FailingBackend"

    with pytest.raises(Retry):
        send_message.apply(job.args, task_id=task_id_for(job.pk), throw=True)

    job.refresh_from_db()
    assert (job.state, job.attempts, job.lease_until) == (JobState.PENDING, 1, None)
    assert "The SMTP server hung up." in job.last_error
    assert mail.outbox == []


def test_a_task_failing_beyond_its_retries_ends_failed_with_its_error(
    settings, broker_down, django_capture_on_commit_callbacks
):
    job = a_mail_job(broker_down, django_capture_on_commit_callbacks)
    settings.EMAIL_DELIVERY_BACKEND = "tests.outbox.test_jobs.FailingBackend"

    # The last retry Celery allows, as a worker receives it.
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_message.apply(job.args, task_id=task_id_for(job.pk), retries=send_message.max_retries, throw=True)

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.last_error == "smtplib.SMTPServerDisconnected: The SMTP server hung up."
    make_due(job)
    assert relay() == 0  # given up: never handed over again
    assert mail.outbox == []


def test_a_task_failing_without_retries_ends_failed_at_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        # An announcement of a community that does not exist (deleted since).
        enqueue(
            "notifications.deliver",
            {"event": {"key": "x", "community_id": 0}, "audiences": [], "exclude": []},
        )
    [job] = jobs("notifications.deliver")
    assert (job.state, job.attempts) == (JobState.FAILED, 1)
    assert "DoesNotExist" in job.last_error


# --- Keys and the clean-up ------------------------------------------------------------------


def test_one_waiting_job_per_key_but_a_running_one_does_not_block_a_new_one():
    first = enqueue("media.make_avatar", 1, key="avatar:1")
    assert first is not None
    assert enqueue("media.make_avatar", 1, key="avatar:1") is None  # the waiting one will do
    assert enqueue("media.make_avatar", 2, key="avatar:2") is not None
    assert enqueue("media.make_avatar", 1) is not None  # no key: always recorded

    # Once a run has started it may have read the state before the newer change.
    Job.objects.filter(pk=first.pk).update(state=JobState.RUNNING)
    second = enqueue("media.make_avatar", 1, key="avatar:1")
    assert second is not None and second.pk != first.pk
    assert enqueue("media.make_avatar", 1, key="avatar:1") is None


def test_purge_deletes_old_done_jobs_only():
    now = timezone.now()
    long_ago = now - timedelta(days=8)

    def job(state, done_at=None) -> Job:
        return Job.objects.create(task="mail.send_message", state=state, due_at=now, done_at=done_at)

    old_done = job(JobState.DONE, long_ago)
    recent_done = job(JobState.DONE, now - timedelta(days=1))
    old_failed = job(JobState.FAILED, long_ago)
    waiting = job(JobState.PENDING)
    Job.objects.filter(pk=waiting.pk).update(created_at=long_ago)

    assert purge_done() == 1

    assert set(Job.objects.values_list("pk", flat=True)) == {recent_done.pk, old_failed.pk, waiting.pk}
    assert not Job.objects.filter(pk=old_done.pk).exists()


# --- The admin --------------------------------------------------------------------------------


JOBS_ADMIN = "/admin/outbox/job/"


@pytest.fixture
def a_job(db) -> Job:
    return Job.objects.create(task="mail.send_message", due_at=timezone.now(), last_error="SMTP hung up")


def test_a_superuser_sees_the_jobs_and_why_they_failed(client, superuser, a_job):
    login_with_mfa(client, superuser)
    assert client.get(JOBS_ADMIN).status_code == 200
    page = client.get(f"{JOBS_ADMIN}{a_job.pk}/change/")
    assert page.status_code == 200
    assert "SMTP hung up" in page.content.decode()


@pytest.mark.parametrize("persona", ["moderator_a", "brand_manager_a", "admin_a"])
def test_other_staff_do_not_see_the_jobs(client, persona, request, a_job):
    login_with_mfa(client, request.getfixturevalue(persona))
    for url in (JOBS_ADMIN, f"{JOBS_ADMIN}{a_job.pk}/change/"):
        answer = client.get(url)
        assert answer.status_code in (302, 403, 404), url
        assert "SMTP hung up" not in answer.content.decode()
    index = client.get("/admin/")
    assert JOBS_ADMIN not in index.content.decode()


def test_nobody_adds_changes_or_deletes_a_job_in_the_admin(client, superuser, a_job):
    login_with_mfa(client, superuser)
    assert client.get(f"{JOBS_ADMIN}add/").status_code == 403
    assert client.post(f"{JOBS_ADMIN}{a_job.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Job.objects.filter(pk=a_job.pk).exists()


def test_the_celery_app_runs_every_task_through_the_outbox():
    assert all(isinstance(task, OutboxTask) for name, task in app.tasks.items() if not name.startswith("celery."))
