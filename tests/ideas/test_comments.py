from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from ideas.exceptions import Refused
from ideas.models import Comment, IdeaStats
from ideas.services import comment_create, comment_delete, comment_update
from tests.factories import UserFactory

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke


def comments_count(idea) -> int:
    return IdeaStats.objects.get(pk=idea.pk).comments


def test_a_reply_to_a_reply_joins_the_thread_one_level_deep(member_b, member_a, idea_a):
    top = comment_create(idea=idea_a, author=member_b, body="Oui !")
    reply = comment_create(idea=idea_a, author=member_a, body="Merci", parent=top)
    reply_to_reply = comment_create(idea=idea_a, author=member_b, body="Avec plaisir", parent=reply)
    assert reply.parent == top
    assert reply_to_reply.parent == top
    assert comments_count(idea_a) == 3


def test_mentions_are_recorded_for_existing_members_only(member_b, member_a, idea_a):
    comment = comment_create(idea=idea_a, author=member_b, body="@member-a et @personne, vous en pensez quoi ?")
    assert list(comment.mentions.all()) == [member_a]


def test_the_author_edits_within_fifteen_minutes(member_b, idea_a):
    comment = comment_create(idea=idea_a, author=member_b, body="Premier jet")
    comment_update(comment=comment, user=member_b, body="Version **corrigée**")
    comment.refresh_from_db()
    assert "<strong>corrigée</strong>" in comment.body_html
    assert comment.edited_at is not None

    Comment.objects.filter(pk=comment.pk).update(created_at=comment.created_at - timedelta(minutes=16))
    comment.refresh_from_db()
    with pytest.raises(Refused):
        comment_update(comment=comment, user=member_b, body="Trop tard")


def test_nobody_else_edits_a_comment(member_b, member_a, idea_a):
    comment = comment_create(idea=idea_a, author=member_b, body="Mon avis")
    with pytest.raises(Refused):
        comment_update(comment=comment, user=member_a, body="Pas le mien")


def test_a_deleted_comment_keeps_its_replies_readable(client, member_b, member_a, idea_a):
    top = comment_create(idea=idea_a, author=member_b, body="Texte qui va partir")
    comment_create(idea=idea_a, author=member_a, body="Une réponse qui reste", parent=top)
    comment_delete(comment=top, user=member_b)
    top.refresh_from_db()
    assert top.body == "" and top.is_deleted
    assert comments_count(idea_a) == 1
    content = client.get(idea_a.get_absolute_url()).content.decode()
    assert "Texte qui va partir" not in content
    assert "Une réponse qui reste" in content
    assert f'id="comment-{top.pk}"' in content  # the placeholder keeps the thread together


def test_deleting_twice_counts_once(member_b, idea_a):
    comment = comment_create(idea=idea_a, author=member_b, body="Doublon")
    comment_delete(comment=comment, user=member_b)
    comment_delete(comment=comment, user=member_b)
    assert comments_count(idea_a) == 0


def test_a_moderator_deletes_any_comment_a_member_cannot(member_b, moderator_a, idea_a):
    comment = comment_create(idea=idea_a, author=member_b, body="Hors sujet")
    with pytest.raises(Refused):
        comment_delete(comment=comment, user=UserFactory())
    comment_delete(comment=comment, user=moderator_a)
    comment.refresh_from_db()
    assert comment.is_deleted


def test_commenting_answers_a_fragment_for_scripts(client, member_b, idea_a):
    client.force_login(member_b)
    response = client.post(
        reverse("ideas:comment", args=[idea_a.pk]), {"body": "Très **bonne** idée"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 201
    data = response.json()
    assert f'id="comment-{data["id"]}"' in data["html"]
    assert "<strong>bonne</strong>" in data["html"]


def test_a_plain_comment_form_comes_back_to_the_comment(client, member_b, idea_a):
    client.force_login(member_b)
    response = client.post(reverse("ideas:comment", args=[idea_a.pk]), {"body": "Bonne idée"})
    comment = Comment.objects.get(idea=idea_a)
    assert response["Location"] == f"{idea_a.get_absolute_url()}#comment-{comment.pk}"


def test_held_comments_show_to_their_author_only(client, member_b, community_a, idea_a):
    community_a.moderation_mode = "pre"
    community_a.save()
    idea_a.refresh_from_db()
    comment_create(idea=idea_a, author=member_b, body="En attente de relecture")
    assert comments_count(idea_a) == 0
    assert "En attente de relecture" not in client.get(idea_a.get_absolute_url()).content.decode()
    client.force_login(member_b)
    assert "En attente de relecture" in client.get(idea_a.get_absolute_url()).content.decode()


def reply(client, idea, parent, body: str = "Une réponse."):
    return client.post(reverse("ideas:comment", args=[idea.pk]), {"body": body, "parent": parent.pk})


def test_a_reply_may_answer_only_what_the_thread_shows_its_author(client, member_b, member_a, community_a, idea_a):
    community_a.moderation_mode = "pre"
    community_a.save()
    idea_a.refresh_from_db()
    held = comment_create(idea=idea_a, author=member_a, body="En attente de relecture")
    client.force_login(member_b)
    assert reply(client, idea_a, held).status_code == 400
    client.force_login(member_a)
    assert reply(client, idea_a, held).status_code == 302  # their own, held or not
    assert Comment.objects.filter(parent=held, author=member_a).exists()


def test_a_deleted_comment_takes_replies_only_while_it_has_some(client, member_b, member_a, idea_a):
    alone = comment_create(idea=idea_a, author=member_a, body="Seul")
    answered = comment_create(idea=idea_a, author=member_a, body="Avec une réponse")
    comment_create(idea=idea_a, author=member_b, body="La réponse", parent=answered)
    for comment in (alone, answered):
        comment_delete(comment=comment, user=member_a)
    client.force_login(member_b)
    assert reply(client, idea_a, alone).status_code == 400
    assert reply(client, idea_a, answered).status_code == 302


def test_a_reply_to_a_reply_through_the_page_is_refused(client, member_b, member_a, idea_a):
    # The page offers to answer top-level comments only (replies are one level deep).
    top = comment_create(idea=idea_a, author=member_a, body="Premier")
    second = comment_create(idea=idea_a, author=member_b, body="Deuxième", parent=top)
    client.force_login(member_b)
    assert reply(client, idea_a, second).status_code == 400
