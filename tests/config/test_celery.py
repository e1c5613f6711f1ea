"""Each concern has its own queue, so that workers can be added per concern."""

from __future__ import annotations

import pytest

from config.celery import app
from config.mail import send_message


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("mail.send_message", "default"),
        ("moderation.check_item", "moderation"),
        ("notifications.fan_out", "notifications"),
        ("media.make_thumbnails", "media"),
        ("accounts.clear_expired_sessions", "default"),
    ],
)
def test_tasks_are_routed_by_their_concern(task_name, queue):
    route = app.amqp.router.route({}, task_name)
    assert route["queue"].name == queue


def test_a_task_lost_with_its_worker_is_given_back_to_the_queue():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    # Redis re-delivers unacknowledged tasks after the visibility timeout: it must outlast
    # the longest task and the longest retry countdown, or slow tasks would run twice.
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > app.conf.task_time_limit
    assert visibility > send_message.retry_backoff_max
