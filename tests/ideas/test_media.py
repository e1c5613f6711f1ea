"""Pictures of ideas are served only to those who may see the idea (PRODUCT.md §12).

They are stored out of MEDIA_ROOT under random names; their address is a view that checks
the reader at each request (so a page cached before an idea was hidden shows a dead
image), sends the file itself or hands it to nginx (`X-Accel-Redirect`), and the files go
when the idea is erased.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError
from django.urls import reverse
from PIL import Image

from config.images import thumbnail_of
from ideas.models import Idea, IdeaImage, ModerationState
from ideas.services import ideas_delete, ideas_set_moderation_state
from ideas.tasks import make_thumbnails
from tests.factories import make_idea

RANDOM_NAME = re.compile(r"^ideas/([0-9a-f]{2})/\1[0-9a-f]{30}\.jpg$")
RANDOM_THUMBNAIL = re.compile(r"^ideas/thumbs/([0-9a-f]{2})/\1[0-9a-f]{30}\.webp$")


@pytest.fixture(autouse=True)
def roots(settings, tmp_path) -> tuple[Path, Path]:
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = ""
    return settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT


def jpeg(color="red") -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(output, format="JPEG")
    return SimpleUploadedFile("image.jpg", output.getvalue(), content_type="image/jpeg")


@pytest.fixture
def pictured(community_a, member_a, django_capture_on_commit_callbacks) -> IdeaImage:
    """A public idea of member_a with one picture and its thumbnail."""
    with django_capture_on_commit_callbacks(execute=True):
        idea = make_idea(community_a, member_a, title="Un abri vélo couvert à la gare", images=[jpeg()])
    image = idea.images.get()
    assert image.thumbnail
    return image


def fetch(client, url: str, user=None):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def file_urls(image: IdeaImage) -> list[str]:
    return [image.image.url, image.thumbnail.url]


# --- Names and place ---------------------------------------------------------------------


def test_two_uploads_of_the_same_name_get_unrelated_random_names(
    client, member_a, roots, django_capture_on_commit_callbacks
):
    client.force_login(member_a)
    typed = {"title": "Un abri vélo couvert à la gare", "body": "Photos.", "tags": "", "category": ""}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("ideas:create"), {**typed, "images": [jpeg("red"), jpeg("blue")]})
    assert answer.status_code == 302
    first, second = IdeaImage.objects.order_by("position")
    names = [first.image.name, second.image.name]
    assert all(RANDOM_NAME.match(name) for name in names), names
    assert names[0] != names[1] and names[0].split("/")[-1][:8] != names[1].split("/")[-1][:8]
    assert not any("image" in name.split("/")[-1] for name in names)
    assert all(RANDOM_THUMBNAIL.match(image.thumbnail.name) for image in (first, second))
    public, private = roots
    assert all((private / name).is_file() for name in names)
    assert not public.exists() or not any(public.rglob("*.*"))  # nothing under MEDIA_ROOT
    assert first.image.url == reverse("ideas:media", kwargs={"name": first.image.name})


# --- Who gets the file -------------------------------------------------------------------


def test_a_public_ideas_picture_and_thumbnail_are_served_to_everyone(client, pictured, member_b):
    for user in (None, member_b):
        for url, field in zip(file_urls(pictured), (pictured.image, pictured.thumbnail), strict=True):
            answer = fetch(client, url, user)
            assert answer.status_code == 200
            assert b"".join(answer.streaming_content) == Path(field.path).read_bytes()
            assert answer["Cache-Control"] == "private, max-age=3600"
    assert fetch(client, pictured.image.url)["Content-Type"] == "image/jpeg"
    assert fetch(client, pictured.thumbnail.url)["Content-Type"] == "image/webp"


@pytest.mark.parametrize("state", [ModerationState.HIDDEN, ModerationState.REJECTED, ModerationState.PENDING])
def test_a_withdrawn_ideas_pictures_are_only_for_its_author_and_moderators(
    client, pictured, state, member_a, moderator_a, admin_a, superuser, brand_manager_a, moderator_b, django_user_model
):
    ideas_set_moderation_state(ideas=[pictured.idea], state=state)
    other_member = django_user_model.objects.create_user("other-member", "other@example.test", "x")
    for user in (None, other_member, brand_manager_a, moderator_b):
        for url in file_urls(pictured):
            assert fetch(client, url, user).status_code == 404, (user, url)
    for user in (member_a, moderator_a, admin_a, superuser):
        for url in file_urls(pictured):
            assert fetch(client, url, user).status_code == 200, (user, url)


def test_a_page_cached_before_the_idea_was_hidden_shows_a_dead_image(client, pictured):
    page = client.get(pictured.idea.get_absolute_url())
    assert pictured.image.url in page.content.decode()
    ideas_set_moderation_state(ideas=[pictured.idea], state=ModerationState.HIDDEN)
    for url in file_urls(pictured):
        assert client.get(url).status_code == 404


def test_unknown_names_and_other_paths_answer_404(client, pictured, roots):
    _public, private = roots
    (private / "exports").mkdir(parents=True)
    (private / "exports" / "archive.zip").write_bytes(b"PK")
    for name in ("ideas/00/nothing.jpg", "exports/archive.zip", "../public/x.jpg", pictured.image.name + "x"):
        assert client.get(reverse("ideas:media", kwargs={"name": name})).status_code == 404
    assert client.post(pictured.image.url).status_code == 405


def test_a_row_whose_file_is_missing_answers_404(client, pictured):
    Path(pictured.image.path).unlink()
    assert client.get(pictured.image.url).status_code == 404


# --- Handing the file to nginx -----------------------------------------------------------


def test_with_an_accel_prefix_nginx_sends_the_file(client, pictured, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/_protected/"
    answer = client.get(pictured.image.url)
    assert answer.status_code == 200
    assert answer["X-Accel-Redirect"] == f"/_protected/{pictured.image.name}"
    assert answer["Content-Type"] == "image/jpeg"
    assert answer["Cache-Control"] == "private, max-age=3600"
    assert answer.content == b""

    ideas_set_moderation_state(ideas=[pictured.idea], state=ModerationState.HIDDEN)
    refused = client.get(pictured.image.url)
    assert refused.status_code == 404
    assert "X-Accel-Redirect" not in refused


def test_it_refuses_to_start_with_a_malformed_accel_prefix():
    from tests.config.test_settings import run_python

    result = run_python(["manage.py", "check"], {"MEDIA_ACCEL_REDIRECT_PREFIX": "_protected"})
    assert result.returncode != 0
    assert "Environment variable MEDIA_ACCEL_REDIRECT_PREFIX=" in result.stderr
    assert "malformed" in result.stderr


# --- Files go with their idea ------------------------------------------------------------
# An idea with a moderation decision is never erased (the audit log protects it, and the
# admin refuses); one the moderation check has not reached yet (spam an operator purges
# while the worker is down) can be, through `ideas_delete`.


def undecided(community, title: str) -> IdeaImage:
    """An idea with a picture and its thumbnail, whose moderation check has not run."""
    image = make_idea(community, title=title, images=[jpeg()]).images.get()
    make_thumbnails([image.pk])
    image.refresh_from_db()
    assert image.thumbnail
    return image


def test_erased_ideas_take_their_files_along_once_committed(community_a, django_capture_on_commit_callbacks):
    images = [undecided(community_a, f"Achetez des montres pas chères {n}") for n in range(2)]
    kept = undecided(community_a, "Des prises électriques à chaque siège")
    paths = [Path(field.path) for image in images for field in (image.image, image.thumbnail)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert ideas_delete(ideas=Idea.objects.filter(pk__in=[image.idea_id for image in images])) == 2
    assert all(path.exists() for path in paths)  # not before the deletion commits
    for callback in callbacks:
        callback()
    assert not Idea.objects.filter(pk__in=[image.idea_id for image in images]).exists()
    assert not any(path.exists() for path in paths)
    assert Path(kept.image.path).is_file() and Path(kept.thumbnail.path).is_file()


def test_files_stay_when_the_erasure_is_refused(pictured, django_capture_on_commit_callbacks):
    """A decided idea is kept for the audit log, and so are its pictures."""
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ProtectedError):
        ideas_delete(ideas=Idea.objects.filter(pk=pictured.idea_id))
    assert Path(pictured.image.path).is_file() and Path(pictured.thumbnail.path).is_file()


def test_a_thumbnail_made_while_its_idea_is_erased_leaves_no_file(community_a, roots, monkeypatch):
    _public, private = roots
    image = undecided(community_a, "Achetez des montres pas chères")
    IdeaImage.objects.filter(pk=image.pk).update(thumbnail="")
    Path(image.thumbnail.path).unlink()
    from ideas import tasks

    def erased_meanwhile(source):
        thumbnail = thumbnail_of(source)
        Idea.objects.filter(pk=image.idea_id).delete()  # an operator, while the task works
        return thumbnail

    monkeypatch.setattr(tasks, "thumbnail_of", erased_meanwhile)
    assert make_thumbnails([image.pk]) == 0
    assert list(private.rglob("*.webp")) == []
