"""Profiles (PRODUCT.md §7, §8): the edit page with its avatar, the initials avatar until
one is uploaded, and the public page, which shows only what is public in this community."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from accounts.models import BadgeAward, Reputation
from accounts.models.reputation import Badge
from ideas.models import Comment, Idea, ModerationState
from ideas.services import comment_create, content_set_moderation_state
from tests.factories import UserFactory, make_idea
from tests.ideas.test_images import jpeg_with_exif, noise_png, pixel_bomb, upload

HOST_B = "ideas.brand-b.test"
TYPED = {"display_name": "Camille des Quais", "bio": "Je prends le TER tous les jours.", "language": "en"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def save_profile(django_capture_on_commit_callbacks):
    """Post the profile form and run what it queues on commit (the avatar task)."""

    def post(client, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("profile_edit"), {**TYPED, **fields})

    return post


# --- The edit page -----------------------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in(client, community_a):
    response = client.get(reverse("profile_edit"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_member_saves_name_bio_and_language(client, save_profile, member_a):
    client.force_login(member_a)
    response = save_profile(client)
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert (member_a.display_name, member_a.bio, member_a.language) == (
        TYPED["display_name"],
        TYPED["bio"],
        "en",
    )
    # The new language applies at once (the switch's cookie says the same).
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_a_too_long_bio_is_refused_and_nothing_typed_is_lost(client, save_profile, member_a):
    client.force_login(member_a)
    response = save_profile(client, bio="x" * 501, display_name="Camille")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Camille"' in page
    assert "x" * 501 in page
    before = member_a.display_name
    member_a.refresh_from_db()
    assert member_a.display_name == before != "Camille"


def test_an_unknown_language_is_refused(client, save_profile, member_a):
    client.force_login(member_a)
    assert save_profile(client, language="de").status_code == 400


# --- Avatars -----------------------------------------------------------------------------


def test_an_uploaded_photo_becomes_a_square_avatar_without_exif(client, save_profile, member_a, media_root):
    client.force_login(member_a)
    response = save_profile(client, avatar=upload("moi.jpg", jpeg_with_exif(size=(640, 480))))
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert member_a.avatar and not member_a.avatar_source  # made by the task, the upload removed
    with Image.open(media_root / member_a.avatar.name) as stored:
        assert stored.size == (256, 256)
        assert stored.format == "WEBP"
        assert not stored.getexif()
    assert list((media_root / "avatars" / "sources").glob("*")) == []


def test_the_avatar_shows_on_the_public_page(client, save_profile, member_a):
    client.force_login(member_a)
    save_profile(client, avatar=upload("moi.png", jpeg_with_exif()))
    member_a.refresh_from_db()
    page = client.get(reverse("member", args=[member_a.username])).content.decode()
    assert member_a.avatar.url in page


@pytest.mark.parametrize(
    ("content", "name", "message_part"),
    [
        (b"%PDF-1.4 not a picture", "cv.jpg", "image"),
        (noise_png(), "big.png", "5 Mo"),
        (pixel_bomb(20_000, 20_000), "bomb.png", "pixels"),
    ],
    ids=["not-an-image", "too-big", "decompression-bomb"],
)
def test_a_bad_avatar_is_refused_with_a_clear_error_and_the_rest_kept(
    client, save_profile, member_a, content, name, message_part, media_root
):
    client.force_login(member_a)
    response = save_profile(client, avatar=upload(name, content, "image/png"))
    assert response.status_code == 400
    page = response.content.decode()
    assert message_part in page
    assert TYPED["bio"] in page  # what was typed comes back
    member_a.refresh_from_db()
    assert not member_a.avatar and not member_a.avatar_source
    assert not any(media_root.rglob("*.*"))


def test_removing_the_avatar_brings_back_the_initials(client, save_profile, member_a, media_root):
    client.force_login(member_a)
    save_profile(client, avatar=upload("moi.jpg", jpeg_with_exif()))
    member_a.refresh_from_db()
    stored = media_root / member_a.avatar.name
    save_profile(client, remove_avatar="on")
    member_a.refresh_from_db()
    assert not member_a.avatar
    assert not stored.exists()
    page = client.get(reverse("member", args=[member_a.username])).content.decode()
    assert "avatar--initials" in page
    assert ">CD<" in page  # Camille des Quais


def test_without_an_upload_the_initials_stand_in(client, member_a):
    member_a.display_name = "Jeanne Martin"
    member_a.save()
    page = client.get(reverse("member", args=[member_a.username])).content.decode()
    assert "avatar--initials" in page and ">JM<" in page


@pytest.mark.parametrize(
    ("display_name", "username", "initials"),
    [
        ("Camille Martin", "camille", "CM"),
        ("Camille (membre)", "demo-membre", "C"),  # a bracketed role is not a name
        ("Rail Horizon [équipe]", "demo-marque", "RH"),
        ("", "voyageur-004", "V"),  # digits are never initials
        ("Jean-Pierre Martin", "jp", "JP"),
        ("élodie zola", "elodie", "ÉZ"),
        ("e\u0301mile", "emile", "É"),  # decomposed accent: still one letter
        ("ßtraße", "strasse", "ß"),  # no "SS" in a one-letter slot
        ("山田 太郎", "yamada", "山太"),
        ("🚆🚆", "rail-fan", "RF"),  # no letter in the name: the username
        ("2024", "1234", "?"),  # no letter anywhere: neutral
    ],
)
def test_it_draws_initials_from_the_letters_of_the_name(member_a, display_name, username, initials):
    from django.template import Context, Template

    member_a.display_name = display_name
    member_a.username = username
    html = Template("{% load members %}{% avatar user 32 %}").render(Context({"user": member_a}))
    assert f">{initials}</span>" in html


def test_the_demo_member_shows_one_initial_on_their_page(client, member_a):
    member_a.display_name = "Camille (membre)"
    member_a.save()
    page = client.get(reverse("member", args=[member_a.username])).content.decode()
    assert ">C<" in page and ">C(<" not in page


# --- The public page ---------------------------------------------------------------------


def make_hidden(idea: Idea, state: str) -> Idea:
    content_set_moderation_state(content=idea, state=state)
    return idea


def test_the_public_page_shows_only_public_content_of_this_community(
    client, community_a, community_b, member_a, member_b
):
    public = make_idea(community_a, member_a, title="Des trains plus ponctuels")
    pending = make_hidden(make_idea(community_a, member_a, title="Une idée en attente"), ModerationState.PENDING)
    hidden = make_hidden(make_idea(community_a, member_a, title="Une idée masquée"), ModerationState.HIDDEN)
    elsewhere = make_idea(community_b, member_a, title="Une idée chez Brand B")
    shown_comment = comment_create(idea=public, author=member_a, body="Un commentaire visible")
    held_comment = comment_create(idea=public, author=member_a, body="Un commentaire retenu")
    Comment.objects.filter(pk=held_comment.pk).update(moderation_state=ModerationState.PENDING)
    deleted_comment = comment_create(idea=public, author=member_a, body="Un commentaire effacé")
    Comment.objects.filter(pk=deleted_comment.pk).update(deleted_at=public.created_at)
    comment_on_hidden = Comment.objects.create(
        idea=hidden, author=member_a, body="Sous une idée masquée", body_html="", moderation_state="approved"
    )
    other_member = UserFactory()
    comment_create(idea=public, author=other_member, body="Le commentaire de quelqu’un d’autre")

    page = client.get(reverse("member", args=[member_a.username])).content.decode()

    assert public.title in page and shown_comment.body in page
    for absent in (pending.title, hidden.title, elsewhere.title, held_comment.body, deleted_comment.body):
        assert absent not in page
    assert comment_on_hidden.body not in page
    assert "quelqu’un d’autre" not in page
    # On Brand B's host, the same member shows Brand B's content only.
    page_b = client.get(reverse("member", args=[member_a.username]), HTTP_HOST=HOST_B).content.decode()
    assert elsewhere.title in page_b and public.title not in page_b


def test_points_and_badges_are_those_of_this_community(client, community_a, community_b, member_a):
    Reputation.objects.create(user=member_a, community=community_a, points=42)
    Reputation.objects.create(user=member_a, community=community_b, points=7)
    BadgeAward.objects.create(user=member_a, community=community_a, badge=Badge.FIRST_IDEA)
    BadgeAward.objects.create(user=member_a, community=community_b, badge=Badge.AMBASSADOR)
    response = client.get(reverse("member", args=[member_a.username]))
    page = response.content.decode()
    assert '<strong data-testid="member-points">42</strong>' in page
    assert 'data-badge="first_idea"' in page and 'data-badge="ambassador"' not in page


def test_usernames_are_found_whatever_their_case(client, member_a):
    assert client.get(f"/u/{member_a.username.upper()}/").status_code == 200


@pytest.mark.parametrize("who", ["unknown", "inactive", "former"])
def test_unknown_inactive_and_former_members_have_no_page(client, community_a, who):
    user = UserFactory(username="someone")
    if who == "inactive":
        user.is_active = False
        user.save()
    if who == "former":
        user.deleted_at = user.date_joined
        user.save()
    username = "nobody-here" if who == "unknown" else user.username
    assert client.get(reverse("member", args=[username])).status_code == 404


def test_the_page_costs_the_same_queries_for_few_and_many_ideas(client, community_a, member_a):
    def queries_for(count: int) -> int:
        for number in range(count):
            make_idea(community_a, member_a, title=f"Idée numéro {number} pour la ligne")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("member", args=[member_a.username])).status_code == 200
        return len(captured)

    queries_for(0)  # warm the per-host and vocabulary caches
    few = queries_for(2)
    many = queries_for(18)
    assert many == few


def test_the_header_links_to_the_profile(client, member_a):
    client.force_login(member_a)
    page = client.get("/").content.decode()
    assert f'href="{reverse("profile_edit")}"' in page


@pytest.mark.parametrize(("language", "shown"), [("fr", "1\xa0234"), ("en", "1,234")])
def test_points_are_written_the_readers_way(client, community_a, member_a, language, shown):
    Reputation.objects.create(user=member_a, community=community_a, points=1234)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("member", args=[member_a.username])).content.decode()
    assert f'<strong data-testid="member-points">{shown}</strong>' in page


def test_the_new_avatar_reaches_the_shared_pages_once_made(client, member_a, community_a):
    """The picture is made by a task, after the profile's save has re-keyed the pages: a
    visitor's cached idea page rendered in between (with the initials) is not served once
    the picture exists."""
    from django.core.files.base import ContentFile

    from accounts.profiles import avatar_make

    idea = make_idea(community_a, member_a, title="Des abris pour les vélos en gare")
    comment_create(idea=idea, author=member_a, body="Et des arceaux couverts.")
    member_a.avatar_source.save("moi.jpg", ContentFile(jpeg_with_exif()))  # the upload, waiting
    assert "avatars/" not in client.get(idea.get_absolute_url()).content.decode()  # kept, with initials
    assert avatar_make(member_a.pk)
    member_a.refresh_from_db()
    assert member_a.avatar.url in client.get(idea.get_absolute_url()).content.decode()
