"""The idea page: its status timeline, the comment toolbar per reader, the response desk."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ideas.services import comment_create, idea_set_status
from tests.factories import UserFactory, login_with_mfa
from tests.ideas.test_query_budgets import DETAIL_BUDGET, count_queries

MOVES = ("under-review", "planned", "in-progress", "done")


def status(community, slug: str):
    return community.statuses.get(slug=slug)


def timeline_of(html: str) -> list[str]:
    found = re.search(r'data-testid="status-timeline">(.*?)</section>', html, re.S)
    assert found, "no status timeline on the page"
    return re.findall(r'<span class="badge badge--status-\d+">([^<]+)</span>', found.group(1))


def test_the_timeline_lists_the_status_changes_oldest_first_with_who(client, community_a, idea_a, moderator_a):
    for slug in MOVES:
        idea_set_status(idea=idea_a, status=status(community_a, slug), user=moderator_a)
    html = client.get(idea_a.get_absolute_url()).content.decode()
    assert timeline_of(html) == [status(community_a, slug).name for slug in MOVES]
    assert html.count(f"par {moderator_a.public_name}") == len(MOVES)


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_timeline_and_the_badges_cost_no_query_per_change_or_comment(
    client, community_a, idea_a, moderator_a, member_b, signed_in
):
    if signed_in:
        client.force_login(member_b)
    url = idea_a.get_absolute_url()
    idea_set_status(idea=idea_a, status=status(community_a, MOVES[0]), user=moderator_a)
    comment_create(idea=idea_a, author=UserFactory(), body="Un premier avis")
    few = count_queries(client, url, community_a)
    for slug in MOVES[1:]:
        idea_set_status(idea=idea_a, status=status(community_a, slug), user=UserFactory())
    for number in range(8):
        author = moderator_a if number % 2 else UserFactory()
        comment_create(idea=idea_a, author=author, body=f"Avis {number}")
    many = count_queries(client, url, community_a)
    html = client.get(url).content.decode()
    assert len(timeline_of(html)) == len(MOVES)
    assert html.count('data-testid="staff-badge"') == 4  # the moderator's four comments
    assert few == many
    assert many <= DETAIL_BUDGET


# --- The comment toolbar: only what the reader may do ----------------------------------


def tools_of(html: str, comment) -> set[str]:
    """The actions offered on one comment of the page."""
    found = re.search(rf'id="comment-{comment.pk}"(.*?)(?=id="comment-\d+"|</ol>)', html, re.S)
    assert found, f"comment {comment.pk} is not on the page"
    block = found.group(1)
    offered = {
        "reply": 'name="parent"' in block,
        "edit": reverse("ideas:comment_edit", args=[comment.pk]) in block,
        "delete": reverse("ideas:comment_delete", args=[comment.pk]) in block,
        "report": reverse("ideas:comment_flag", args=[comment.pk]) in block,
    }
    return {name for name, shown in offered.items() if shown}


@pytest.fixture
def two_comments(idea_a, member_a):
    mine = comment_create(idea=idea_a, author=member_a, body="Le mien")
    theirs = comment_create(idea=idea_a, author=UserFactory(), body="Celui d’un autre")
    return mine, theirs


def page_as(person, idea) -> str:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client.get(idea.get_absolute_url()).content.decode()


def test_visitors_get_no_toolbar(idea_a, two_comments):
    html = page_as(None, idea_a)
    for comment in two_comments:
        assert tools_of(html, comment) == set()
    assert 'data-testid="comment-tools"' not in html


def test_the_author_may_reply_edit_and_delete_their_comment_and_not_report_it(idea_a, member_a, two_comments):
    mine, theirs = two_comments
    html = page_as(member_a, idea_a)
    assert tools_of(html, mine) == {"reply", "edit", "delete"}
    assert tools_of(html, theirs) == {"reply", "report"}


def test_the_edit_link_goes_once_the_edit_window_is_over(idea_a, member_a, two_comments):
    mine, _theirs = two_comments
    type(mine).objects.filter(pk=mine.pk).update(created_at=mine.created_at.replace(year=mine.created_at.year - 1))
    assert tools_of(page_as(member_a, idea_a), mine) == {"reply", "delete"}


def test_another_member_may_reply_and_report(idea_a, two_comments):
    html = page_as(UserFactory(), idea_a)
    for comment in two_comments:
        assert tools_of(html, comment) == {"reply", "report"}


def test_a_moderator_may_reply_and_delete_any_comment(idea_a, moderator_a, two_comments):
    html = page_as(moderator_a, idea_a)
    for comment in two_comments:
        assert tools_of(html, comment) == {"reply", "delete"}


def test_a_deleted_comment_is_a_muted_line_with_no_tools_on_it(idea_a, member_a, two_comments):
    mine, _theirs = two_comments
    comment_create(idea=idea_a, author=UserFactory(), body="Une réponse", parent=mine)
    client = Client()
    client.force_login(member_a)
    client.post(reverse("ideas:comment_delete", args=[mine.pk]))
    html = client.get(idea_a.get_absolute_url()).content.decode()
    assert "Le mien" not in html
    assert "Ce commentaire a été supprimé." in html
    assert tools_of(html, mine) == {"reply"}  # the thread stays open under it


# --- The response desk -------------------------------------------------------------------


def desk_of(community, manager, idea, *, approval: bool) -> str:
    community.response_needs_approval = approval
    community.save()
    client = Client()
    login_with_mfa(client, manager)
    html = client.get(idea.get_absolute_url()).content.decode()
    assert 'class="response-desk"' in html
    return html


def test_the_publish_date_is_absent_while_the_response_cannot_be_scheduled(community_a, brand_manager_a, idea_a):
    html = desk_of(community_a, brand_manager_a, idea_a, approval=True)
    assert 'name="publish_at"' not in html
    assert 'value="schedule"' not in html


def test_the_publish_date_is_there_where_scheduling_applies(community_a, brand_manager_a, idea_a):
    html = desk_of(community_a, brand_manager_a, idea_a, approval=False)
    assert 'name="publish_at"' in html
    assert 'value="schedule"' in html
