"""Outgoing e-mail goes through the `mail.send_message` task (eager in these tests)."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, send_mail

from config import mail as mail_module
from tests.config.test_settings import run_python


@pytest.mark.smoke
def test_mail_is_sent_only_when_the_transaction_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_mail("Bonjour", "Corps", "from@example.test", ["to@example.test"])
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert [message.subject for message in mail.outbox] == ["Bonjour"]


@pytest.mark.django_db(transaction=True)
def test_mail_is_not_sent_when_the_transaction_rolls_back():
    from django.db import transaction

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        send_mail("Never", "Corps", "from@example.test", ["to@example.test"])
        raise Abort
    assert mail.outbox == []
    send_mail("Sent", "Corps", "from@example.test", ["to@example.test"])  # autocommit: at once
    assert [message.subject for message in mail.outbox] == ["Sent"]


def test_html_alternatives_headers_and_attachments_survive_the_trip(db, django_capture_on_commit_callbacks):
    message = EmailMultiAlternatives(
        "Sujet", "texte", "from@example.test", ["to@example.test"], headers={"List-Unsubscribe": "<https://u>"}
    )
    message.attach_alternative("<p>html</p>", "text/html")
    message.attach("notes.txt", b"\x00binary\xff", "application/octet-stream")
    with django_capture_on_commit_callbacks(execute=True):
        message.send()
    [sent] = mail.outbox
    assert sent.alternatives[0][0] == "<p>html</p>"
    assert sent.extra_headers["List-Unsubscribe"] == "<https://u>"
    assert sent.attachments[0][1] == b"\x00binary\xff"


def test_the_task_retries_with_backoff_and_a_bound():
    task = mail_module.send_message
    assert task.max_retries == 8
    assert task.retry_backoff == 5
    assert task.retry_backoff_max == 600
    assert smtplib.SMTPException in task.autoretry_for


def test_mail_is_delivered_in_the_request_when_the_broker_is_down(tmp_path, transactional_db):
    # A separate process, configured as in production but with a broker that refuses
    # connections, sends a message: it must still reach the delivery backend, and its
    # outbox job (in the test database) is done.
    from outbox.models import Job, JobState
    from tests.celery_worker import database_url

    script = (
        "from django.core.mail import send_mail; "
        "send_mail('Fallback', 'Corps', 'from@example.test', ['to@example.test'])"
    )
    env = {
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"filemail://{tmp_path}",
        "DATABASE_URL": database_url(),
    }
    result = run_python(["manage.py", "shell", "-c", script], env)
    assert result.returncode == 0, result.stderr
    assert "Could not hand job" in result.stderr
    assert Job.objects.get(task="mail.send_message").state == JobState.DONE
    [written] = list(tmp_path.iterdir())
    assert "Subject: Fallback" in written.read_text()
