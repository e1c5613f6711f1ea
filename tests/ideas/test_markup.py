"""The idea pages' markup is what HTML allows (issue #12; the browser crawl validates every
page with the W3C validator, these pin the fixes without a browser): <time> to the second,
help texts that aria-describedby finds, one id per page, no form inside a <p>, and a
translated file picker instead of the browser's "Choose Files"."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from community.models import Membership, Role
from ideas.services import comment_create
from notifications.models import Notification
from tests.factories import UserFactory, login_with_mfa
from tests.markup import assert_sound, page_of

HOST_A = "ideas.brand-a.test"


@pytest.fixture
def discussed(idea_a, member_a):
    """idea_a with a comment by someone else and a reply by its author."""
    other = UserFactory(username="bruno")
    Membership.objects.create(community=idea_a.community, user=other, role=Role.MEMBER)
    first = comment_create(idea=idea_a, author=other, body="Et dans les TER ?")
    comment_create(idea=idea_a, author=member_a, body="Aussi, oui.", parent=first)
    return idea_a


def test_it_writes_times_to_the_second_as_html_wants(client, discussed):
    for url in (reverse("ideas:list"), discussed.get_absolute_url()):
        page = assert_sound(client.get(url, HTTP_HOST=HOST_A))
        assert page.datetimes, url
        assert all(len(value) == len("2026-05-04T10:00:00+02:00") for value in page.datetimes), page.datetimes


def test_it_keeps_comment_tools_out_of_paragraphs_for_author_and_reader(client, discussed, member_a):
    client.force_login(member_a)  # edits their reply, reports the other comment
    response = client.get(discussed.get_absolute_url(), HTTP_HOST=HOST_A)
    assert_sound(response)
    assert response.content.decode().count('class="comment__tools"') == 2


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_points_the_idea_forms_descriptions_at_its_help_texts(client, member_a, idea_a, language):
    client.force_login(member_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for url in (reverse("ideas:create"), reverse("ideas:edit", args=[idea_a.pk])):
        page = assert_sound(client.get(url, HTTP_HOST=HOST_A))
        assert {"id_title_helptext", "id_body_helptext", "id_images_helptext"} <= set(page.described_by)


def test_it_keeps_the_idea_forms_errors_valid_and_described(client, member_a):
    client.force_login(member_a)
    response = client.post(reverse("ideas:create"), {"title": "abc", "body": " "}, HTTP_HOST=HOST_A)
    assert response.status_code == 400
    page = assert_sound(response)
    assert {"id_title_error", "id_body_error"} <= set(page.described_by)


@pytest.mark.parametrize(("language", "button"), [("fr", "Choisir des images"), ("en", "Choose images")])
def test_it_offers_a_translated_file_picker_for_the_images(client, member_a, community_a, language, button):
    client.force_login(member_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("ideas:create"), HTTP_HOST=HOST_A)
    page = page_of(response)
    assert button in page.labels_for["id_images"]
    html = response.content.decode()
    assert 'data-file-picker><input type="file" name="images"' in html
    assert "js/file_picker.js" in html


def test_it_gives_the_response_form_ids_of_its_own(client, brand_manager_a, discussed):
    login_with_mfa(client, brand_manager_a)
    page = assert_sound(client.get(discussed.get_absolute_url(), HTTP_HOST=HOST_A))
    assert {"id_body", "id_response_body", "id_response_status"} <= set(page.ids)


def test_it_keeps_the_inbox_forms_out_of_paragraphs(client, idea_a, member_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(idea=idea_a, author=UserFactory(), body="Et dans les TER ?")
    assert Notification.objects.filter(recipient=member_a, read_at=None).exists()
    client.force_login(member_a)
    assert_sound(client.get(reverse("notifications:inbox"), HTTP_HOST=HOST_A))


def test_it_answers_an_unknown_page_with_the_sites_own_404(client, community_a):
    response = client.get("/nowhere-at-all/", HTTP_HOST=HOST_A)
    assert response.status_code == 404
    assert_sound(response)
    html = response.content.decode()
    assert '<html lang="fr">' in html and "Page introuvable" in html and community_a.name in html
