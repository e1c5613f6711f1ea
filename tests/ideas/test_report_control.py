"""The report control on the idea page: a reason to pick, then "Reported" for that member,
and a thanks that says what happens next (PRODUCT §3, flags)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from community.models import Flag
from community.moderation.services import rule_for
from ideas.services import comment_create
from tests.factories import UserFactory
from tests.ideas.test_query_budgets import DETAIL_BUDGET, count_queries

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

BELOW_THRESHOLD = "Merci. Les modérateurs examineront ce contenu s’il est aussi signalé par d’autres membres."
HIDDEN_NOW = (
    "Merci. Avec les autres signalements, ce contenu est désormais masqué jusqu’à ce qu’un modérateur l’examine."
)


@pytest.fixture
def comment_b(idea_a, member_b):
    return comment_create(idea=idea_a, author=member_b, body="Achetez mes billets pas chers")


def page_of(client, idea) -> str:
    return client.get(idea.get_absolute_url()).content.decode()


def control_of(html: str, action: str) -> str:
    """The report control whose form posts to `action`, or the "Reported" one after it."""
    found = re.search(
        rf'<details class="flag"[^>]*>(?:(?!</details>).)*action="{re.escape(action)}".*?</details>', html, re.S
    )
    return found.group(0) if found else ""


def reported_count(html: str) -> int:
    return len(re.findall(r'class="flag flag--done"><button type="button" class="link-button" disabled', html))


def test_the_control_asks_a_reason_from_the_flag_reasons(client, idea_a, comment_b):
    client.force_login(UserFactory())
    html = page_of(client, idea_a)
    for action in (reverse("ideas:flag", args=[idea_a.pk]), reverse("ideas:comment_flag", args=[comment_b.pk])):
        control = control_of(html, action)
        assert re.search(r"<summary[^>]*>(?:<svg[^>]*>.*?</svg>)?Signaler", control, re.S)
        assert "Pourquoi le signaler ?" in control
        reasons = re.findall(r'<input type="radio" name="reason" value="([a-z_]+)" required>', control)
        assert reasons == list(Flag.Reason.values)
        assert 'name="note"' in control
    assert reported_count(html) == 0


def test_visitors_and_authors_get_no_control_on_their_own_posts(client, idea_a, comment_b, member_a, member_b):
    assert 'class="flag' not in page_of(client, idea_a)
    client.force_login(member_a)  # the idea's author: only the comment to report
    html = page_of(client, idea_a)
    assert not control_of(html, reverse("ideas:flag", args=[idea_a.pk]))
    assert control_of(html, reverse("ideas:comment_flag", args=[comment_b.pk]))


def test_after_reporting_the_idea_the_control_says_reported_with_the_real_next_step(client, idea_a):
    client.force_login(UserFactory())
    response = client.post(reverse("ideas:flag", args=[idea_a.pk]), {"reason": "off_topic", "note": "Hors sujet"})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert BELOW_THRESHOLD in html
    assert not control_of(html, reverse("ideas:flag", args=[idea_a.pk]))
    assert reported_count(html) == 1
    assert ">Signalé</button>" in html
    assert reported_count(page_of(client, idea_a)) == 1  # from the database, on every visit


def test_the_flag_that_hides_the_idea_says_so_and_leads_to_the_list(client, community_a, idea_a):
    rule = rule_for(community_a)
    rule.flag_threshold = 1.0
    rule.save()
    client.force_login(UserFactory())
    response = client.post(reverse("ideas:flag", args=[idea_a.pk]), {"reason": "spam"})
    assert response["Location"] == reverse("ideas:list")  # the idea is no longer there to show
    assert HIDDEN_NOW in client.get(response["Location"]).content.decode()


def test_a_reported_comment_says_reported_for_that_member_only(client, idea_a, comment_b, member_b):
    other = comment_create(idea=idea_a, author=member_b, body="Un autre commentaire")
    bystander, reporter = UserFactory(), UserFactory()
    client.force_login(bystander)
    page_of(client, idea_a)  # the thread, as members who took no part see it (and cached)

    client.force_login(reporter)
    response = client.post(reverse("ideas:comment_flag", args=[comment_b.pk]), {"reason": "spam"})
    assert response["Location"] == f"{idea_a.get_absolute_url()}#comment-{comment_b.pk}"
    html = client.get(response["Location"]).content.decode()
    assert BELOW_THRESHOLD in html
    assert not control_of(html, reverse("ideas:comment_flag", args=[comment_b.pk]))
    assert control_of(html, reverse("ideas:comment_flag", args=[other.pk]))
    assert control_of(html, reverse("ideas:flag", args=[idea_a.pk]))
    assert reported_count(html) == 1

    client.force_login(bystander)
    html = page_of(client, idea_a)
    assert control_of(html, reverse("ideas:comment_flag", args=[comment_b.pk]))
    assert reported_count(html) == 0


def test_the_script_gets_the_reported_control_and_the_thanks(client, idea_a, comment_b):
    client.force_login(UserFactory())
    response = client.post(
        reverse("ideas:comment_flag", args=[comment_b.pk]), {"reason": "offensive"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["flagged"], data["created"], data["hidden"]) == (True, True, False)
    assert data["message"] == BELOW_THRESHOLD
    assert "Signalé" in data["html"]
    assert "disabled" in data["html"]


def test_a_report_without_a_reason_is_refused_with_a_message(client, idea_a):
    client.force_login(UserFactory())
    response = client.post(reverse("ideas:flag", args=[idea_a.pk]), {"note": "Pas bien"})
    assert response.status_code == 400
    assert "Choisissez un motif." in response.content.decode()
    assert not Flag.objects.exists()


def test_the_page_of_a_member_who_reported_comments_stays_within_budget(client, community_a, idea_a, member_b):
    reporter = UserFactory()
    client.force_login(reporter)
    comments = [comment_create(idea=idea_a, author=member_b, body=f"Commentaire {n}") for n in range(5)]
    client.post(reverse("ideas:comment_flag", args=[comments[0].pk]), {"reason": "spam"})
    few = count_queries(client, idea_a.get_absolute_url(), community_a)
    more = [comment_create(idea=idea_a, author=member_b, body=f"Réponse {n}") for n in range(45)]
    for comment in more[:10]:
        client.post(reverse("ideas:comment_flag", args=[comment.pk]), {"reason": "spam"})
    many = count_queries(client, idea_a.get_absolute_url(), community_a)
    assert reported_count(client.get(idea_a.get_absolute_url()).content.decode()) == 11
    assert few == many
    assert many <= DETAIL_BUDGET
