"""A member's votes, comments and reports, a visitor's pages and the browser's CSP reports
keep working while Redis is down: our own limits (posts per hour, one export an hour, CSP
reports per minute) are read from the database or counted in the process, never in Redis
(docs/reliability.md, "Redis outages").

`redis_down` (tests/conftest.py) points the cache at a port where no Redis listens.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from community.models import Flag, Role
from ideas.models import Comment, IdeaStats
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.usefixtures("redis_down")


@pytest.fixture
def voter(community_a):
    user = UserFactory(username="voter-a")
    MembershipFactory(user=user, community=community_a, role=Role.MEMBER)
    return user


def test_a_member_votes_comments_and_reports(client, idea_a, voter, django_capture_on_commit_callbacks):
    client.force_login(voter)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1"}).status_code == 302
        comment = client.post(reverse("ideas:comment", args=[idea_a.pk]), {"body": "Oui, et le soir aussi."})
        assert comment.status_code == 302
        report = client.post(reverse("ideas:flag", args=[idea_a.pk]), {"reason": Flag.Reason.SPAM})
        assert report.status_code == 302
    assert IdeaStats.objects.get(pk=idea_a.pk).votes == 1
    assert Comment.objects.filter(idea=idea_a, author=voter).exists()
    assert Flag.objects.filter(flagger=voter).exists()


def test_a_visitor_reads_the_idea_with_its_count(idea_a, voter, django_capture_on_commit_callbacks):
    member = Client()
    member.force_login(voter)
    with django_capture_on_commit_callbacks(execute=True):
        member.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1"})
    page = Client().get(idea_a.get_absolute_url())
    assert page.status_code == 200
    assert '<span class="vote__count" data-vote-count>1</span>' in page.content.decode()


def test_the_browser_reports_a_csp_violation(community_a):
    report = {"csp-report": {"document-uri": "https://x.test/", "violated-directive": "img-src"}}
    response = Client().post("/csp-report/", json.dumps(report), content_type="application/csp-report")
    assert response.status_code == 204
