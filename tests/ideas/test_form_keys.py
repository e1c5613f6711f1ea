"""A form sent twice creates once (issue 14): each create form carries a random key, and the
same post sent again with it is answered with what the first one made (accounts.submissions)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import SubmittedForm
from accounts.submissions import form_key_new, submit_once
from accounts.tasks import purge_submitted_forms
from community.models import Flag
from ideas.exceptions import Refused
from ideas.models import Comment, Idea, OfficialResponse
from ideas.services import comment_create
from tests.factories import UserFactory, login_with_mfa

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

JSON = {"HTTP_ACCEPT": "application/json"}
KEY_INPUT = re.compile(r'<input type="hidden" name="form_key" value="([A-Za-z0-9_-]+)">')


def comment_url(idea) -> str:
    return reverse("ideas:comment", args=[idea.pk])


def keys_in(html: str) -> list[str]:
    return KEY_INPUT.findall(html)


# --- Comments and replies ---------------------------------------------------------------


def test_a_comment_sent_twice_with_its_key_is_saved_once_and_both_answers_lead_to_it(client, idea_a, member_b):
    client.force_login(member_b)
    data = {"body": "Oui, et dans les TER aussi.", "form_key": form_key_new()}
    first = client.post(comment_url(idea_a), data)
    again = client.post(comment_url(idea_a), data)
    comment = Comment.objects.get(idea=idea_a)
    assert first.status_code == again.status_code == 302
    assert first.url == again.url == f"{idea_a.get_absolute_url()}#comment-{comment.pk}"
    page = client.get(again.url)
    assert "C’était déjà envoyé : rien n’a été enregistré deux fois." in page.content.decode()


def test_a_comment_sent_twice_by_the_script_answers_the_same_comment(client, idea_a, member_b):
    client.force_login(member_b)
    data = {"body": "Je vote pour.", "form_key": form_key_new()}
    first = client.post(comment_url(idea_a), data, **JSON)
    again = client.post(comment_url(idea_a), data, **JSON)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Comment.objects.filter(idea=idea_a).count() == 1
    one, two = first.json(), again.json()
    assert one["id"] == two["id"] == Comment.objects.get().pk
    assert f'id="comment-{one["id"]}"' in two["html"]
    assert two["comments"] == 1
    # The form's next comment is a new post: the answer gives it a fresh key.
    assert one["form_key"] != two["form_key"] != data["form_key"]


def test_a_reply_sent_twice_is_saved_once(client, idea_a, member_a, member_b):
    top = comment_create(idea=idea_a, author=member_a, body="Qu’en pensez-vous ?")
    client.force_login(member_b)
    data = {"body": "Bonne idée.", "parent": top.pk, "form_key": form_key_new()}
    first = client.post(comment_url(idea_a), data)
    again = client.post(comment_url(idea_a), data)
    reply = Comment.objects.get(parent=top)
    assert first.url == again.url == f"{idea_a.get_absolute_url()}#comment-{reply.pk}"


def test_two_keys_make_two_comments_and_no_key_makes_one_each_time(client, idea_a, member_b):
    client.force_login(member_b)
    for key in (form_key_new(), form_key_new(), None, None):
        data = {"body": "Pareil pour moi."} | ({"form_key": key} if key else {})
        assert client.post(comment_url(idea_a), data).status_code == 302
    assert Comment.objects.filter(idea=idea_a).count() == 4
    assert SubmittedForm.objects.count() == 2


@pytest.mark.parametrize("key", ["court", "<script>alert(1)</script>-aaaaaaaaaa", "x" * 65, "é" * 20])
def test_a_malformed_key_is_ignored_and_the_post_goes_through(client, idea_a, member_b, key):
    client.force_login(member_b)
    for _ in range(2):
        response = client.post(comment_url(idea_a), {"body": "Un avis.", "form_key": key})
        assert response.status_code == 302
    assert Comment.objects.filter(idea=idea_a).count() == 2
    assert not SubmittedForm.objects.exists()


def test_a_key_sent_again_with_other_words_is_a_new_post(client, idea_a, member_b):
    """A form shown again by the back button keeps its old key: what is typed in it anew is
    posted, never taken for the first post."""
    client.force_login(member_b)
    key = form_key_new()
    client.post(comment_url(idea_a), {"body": "Premier avis.", "form_key": key})
    response = client.post(comment_url(idea_a), {"body": "Un second, tout autre.", "form_key": key})
    assert response.status_code == 302
    assert sorted(Comment.objects.values_list("body", flat=True)) == ["Premier avis.", "Un second, tout autre."]


def test_the_same_key_is_another_members_own(client, idea_a, member_a, member_b):
    data = {"body": "Même texte, même clé.", "form_key": form_key_new()}
    for member in (member_a, member_b):
        client.force_login(member)
        client.post(comment_url(idea_a), data)
    assert Comment.objects.filter(idea=idea_a).count() == 2


# --- Ideas, reports, official responses ---------------------------------------------------


def test_an_idea_sent_twice_with_its_key_is_posted_once(client, community_a, member_b):
    client.force_login(member_b)
    data = {"title": "Des trains plus fréquents le soir", "body": "Après 21 h.", "form_key": form_key_new()}
    first = client.post(reverse("ideas:create"), data)
    again = client.post(reverse("ideas:create"), data)
    idea = Idea.objects.get(title=data["title"])
    assert first.status_code == again.status_code == 302
    assert first.url == again.url == idea.get_absolute_url()


def test_a_report_sent_twice_with_its_key_is_recorded_once(client, idea_a, member_b):
    comment = comment_create(idea=idea_a, author=UserFactory(), body="Hors sujet total.")
    client.force_login(member_b)
    data = {"reason": "off_topic", "form_key": form_key_new()}
    url = reverse("ideas:comment_flag", args=[comment.pk])
    first, again = client.post(url, data), client.post(url, data)
    assert first.url == again.url == f"{idea_a.get_absolute_url()}#comment-{comment.pk}"
    assert Flag.objects.filter(comment=comment).count() == 1
    assert SubmittedForm.objects.get().target_url == first.url
    by_script = client.post(url, data, **JSON).json()
    assert (by_script["flagged"], by_script["created"]) == (True, False)


def test_an_official_response_saved_twice_with_its_key_is_created_once(client, idea_a, brand_manager_a):
    login_with_mfa(client, brand_manager_a)
    data = {"action": "save", "body": "Nous étudions la question.", "form_key": form_key_new()}
    url = reverse("ideas:respond", args=[idea_a.pk])
    first, again = client.post(url, data), client.post(url, data)
    assert first.status_code == again.status_code == 302
    assert first.url == again.url == f"{idea_a.get_absolute_url()}#official-response"
    assert OfficialResponse.objects.filter(idea=idea_a).count() == 1


# --- The key itself -------------------------------------------------------------------------


def test_a_refused_post_leaves_its_key_free(member_b):
    request = RequestFactory().post("/ideas/1/comments/", {"body": "x", "form_key": form_key_new()})
    request.user = member_b

    def refused():
        raise Refused("Non.")

    with pytest.raises(Refused):
        submit_once(request, kind="comment", create=refused, target_url=str)
    assert not SubmittedForm.objects.exists()
    made = submit_once(request, kind="comment", create=lambda: member_b, target_url=lambda user: "/u/")
    assert made.created == member_b and SubmittedForm.objects.get().object_id == member_b.pk


def test_keys_are_forgotten_after_a_day(client, idea_a, member_b):
    client.force_login(member_b)
    with time_machine.travel(timezone.now() - timedelta(hours=25)):
        client.post(comment_url(idea_a), {"body": "Hier.", "form_key": form_key_new()})
    client.post(comment_url(idea_a), {"body": "Aujourd’hui.", "form_key": form_key_new()})
    assert purge_submitted_forms() == 1
    assert list(SubmittedForm.objects.values_list("target_url", flat=True)) == [
        f"{idea_a.get_absolute_url()}#comment-{Comment.objects.get(body='Aujourd’hui.').pk}"
    ]


def test_every_create_form_on_the_idea_page_has_its_own_fresh_key(client, idea_a, member_a, member_b):
    """The thread is rendered once for every reader who wrote none of it: its reply and
    report forms still get a key of their own, per form and per reading."""
    for number in range(3):
        comment_create(idea=idea_a, author=member_a, body=f"Avis numéro {number}")
    client.force_login(member_b)
    first = keys_in(client.get(idea_a.get_absolute_url()).content.decode())
    second = keys_in(client.get(idea_a.get_absolute_url()).content.decode())
    # The comment box, the idea's report, and each comment's reply and report.
    assert len(first) == len(second) == 2 + 3 * 2
    assert len(set(first) | set(second)) == len(first) + len(second)
    assert keys_in(client.get(reverse("ideas:create")).content.decode())
