"""Never a 5xx after a commit (issue 14): once a post is saved, whatever fails after (a
dropped connection, Redis down) leaves the member with the normal answer, the saved post
once, and the failure logged."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.submissions import form_key_new
from ideas.models import Comment, Idea, IdeaImage, OfficialResponse
from outbox.models import Job, JobState
from tests.factories import login_with_mfa
from tests.ideas.test_images import jpeg_with_exif, upload

JSON = {"HTTP_ACCEPT": "application/json"}


def fails(error: Exception):
    def raising(*args, **kwargs):
        raise error

    return raising


def logged(caplog, text: str, level: int = logging.ERROR) -> bool:
    return any(text in record.getMessage() and record.levelno >= level for record in caplog.records)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_a_comment_whose_rendering_fails_after_the_commit_is_answered_and_saved_once(
    client, idea_a, member_b, monkeypatch, caplog
):
    client.force_login(member_b)
    monkeypatch.setattr("ideas.views.render_to_string", fails(OperationalError("server closed the connection")))
    data = {"body": "Bonne idée.", "form_key": form_key_new()}
    response = client.post(reverse("ideas:comment", args=[idea_a.pk]), data, **JSON)
    comment = Comment.objects.get(idea=idea_a)
    assert response.status_code == 200
    assert response.json()["url"] == f"{idea_a.get_absolute_url()}#comment-{comment.pk}"
    assert logged(caplog, "Answering a saved post")
    # The script reloads the page; a retry of the same post makes nothing more.
    monkeypatch.undo()
    assert client.post(reverse("ideas:comment", args=[idea_a.pk]), data, **JSON).json()["id"] == comment.pk
    assert Comment.objects.filter(idea=idea_a).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_comment_whose_check_cannot_be_handed_to_the_broker_redirects_to_it(
    client, idea_a, member_b, monkeypatch, caplog
):
    """The hooks run for real here (no test transaction): the broker refuses the moderation
    check after the commit; the comment is saved, its check waits in the outbox."""
    client.force_login(member_b)
    monkeypatch.setattr("community.tasks.check_item.apply_async", fails(RedisConnectionError("Connection refused")))
    response = client.post(reverse("ideas:comment", args=[idea_a.pk]), {"body": "Oui !", "form_key": form_key_new()})
    comment = Comment.objects.get(idea=idea_a)
    assert response.status_code == 302
    assert response.url == f"{idea_a.get_absolute_url()}#comment-{comment.pk}"
    assert logged(caplog, "Could not hand job", logging.WARNING)
    assert Job.objects.filter(task="moderation.check_item", state=JobState.PENDING).exists()


@pytest.mark.django_db(transaction=True)
def test_an_idea_whose_after_commit_work_fails_is_posted_once(client, community_a, member_b, monkeypatch, caplog):
    client.force_login(member_b)
    monkeypatch.setattr("ideas.views._tell_saved", fails(RedisConnectionError("Connection refused")))
    data = {"title": "Des casiers à vélos", "body": "Dans chaque gare.", "form_key": form_key_new()}
    response = client.post(reverse("ideas:create"), data)
    idea = Idea.objects.get()
    assert (response.status_code, response.url) == (302, idea.get_absolute_url())
    assert logged(caplog, "Answering a saved post")
    assert client.post(reverse("ideas:create"), data).url == idea.get_absolute_url()
    assert Idea.objects.count() == 1


def test_an_idea_is_posted_when_its_thumbnails_cannot_be_queued(
    client, community_a, member_b, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    client.force_login(member_b)
    monkeypatch.setattr("ideas.tasks.make_thumbnails.apply_async", fails(RedisConnectionError("Connection refused")))
    data = {"title": "Un abri couvert", "body": "Photo jointe.", "images": [upload("abri.jpg", jpeg_with_exif())]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ideas:create"), data)
    idea = Idea.objects.get()
    assert (response.status_code, response.url) == (302, idea.get_absolute_url())
    assert IdeaImage.objects.filter(idea=idea, thumbnail="").count() == 1
    assert logged(caplog, "Could not hand job", logging.WARNING)
    # Recorded with the idea: the relay hands it over once the broker is back.
    assert Job.objects.get(task="media.make_thumbnails").state == JobState.PENDING


def test_a_follow_whose_count_cannot_be_read_again_is_answered(client, idea_a, member_b, monkeypatch, caplog):
    class Unreadable:
        class objects:  # stands for the manager of the model
            values_list = staticmethod(fails(OperationalError("server closed the connection")))

    client.force_login(member_b)
    monkeypatch.setattr("ideas.views.IdeaStats", Unreadable)
    response = client.post(reverse("ideas:follow", args=[idea_a.pk]), **JSON)
    assert (response.status_code, response.json()) == (200, {"following": True})
    assert idea_a.follows.filter(user=member_b).exists()
    assert logged(caplog, "Counting the followers")


def test_an_official_response_whose_confirmation_fails_is_saved_once(
    client, idea_a, brand_manager_a, monkeypatch, caplog
):
    login_with_mfa(client, brand_manager_a)
    monkeypatch.setattr("ideas.brand_views.messages.success", fails(OperationalError("connection lost")))
    data = {"action": "save", "body": "Nous regardons.", "form_key": form_key_new()}
    response = client.post(reverse("ideas:respond", args=[idea_a.pk]), data)
    assert (response.status_code, response.url) == (302, f"{idea_a.get_absolute_url()}#official-response")
    assert OfficialResponse.objects.filter(idea=idea_a).count() == 1
    assert logged(caplog, "Answering a saved post")
