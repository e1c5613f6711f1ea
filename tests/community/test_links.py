"""Every absolute link leads to the community's own site (PRODUCT.md §12).

Two communities on two domains: each e-mail (notification, digest, moderation decision,
data export, allauth's confirmation and password reset), its `List-Unsubscribe` header,
the Atom feed, the sitemap and the idea page's canonical address carry the host of the
community the member belongs to, with the deployment's scheme, and never the other
community's, django.contrib.sites' example.com or SITE_HOST. A community without a
domain links to SITE_HOST, the address `make run` serves.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from community.models import ModerationItem
from community.moderation.services import moderation_decide
from ideas.models import Follow
from ideas.services import comment_create
from notifications.models import Delivery
from notifications.services import digests_send
from tests.factories import PASSWORD, CommunityFactory, MembershipFactory, UserFactory, make_idea, run_as_task

HOSTS = {"a": "ideas.brand-a.test", "b": "ideas.brand-b.test"}
LINK = re.compile(r"""https?://[^\s"'<>]+""")
MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TUESDAY = datetime(2025, 3, 4, 7, 0, tzinfo=UTC)


def links_of(message) -> list[str]:
    """Every absolute address in a message: text part, HTML part, headers."""
    texts = [message.body, *(content for content, _mimetype in getattr(message, "alternatives", []))]
    texts += [str(value) for value in message.extra_headers.values()]
    return [link for text in texts for link in LINK.findall(text)]


def assert_all_on(links: list[str], host: str, scheme: str = "http") -> None:
    assert links
    for link in links:
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc) == (scheme, host), link


class Side:
    """One community with a member, a fellow member and a moderator, and its host."""

    def __init__(self, request, name: str) -> None:
        self.community = request.getfixturevalue(f"community_{name}")
        self.host = HOSTS[name]
        self.author = request.getfixturevalue(f"member_{name}")
        self.moderator = request.getfixturevalue(f"moderator_{name}")
        self.fellow = UserFactory(username=f"fellow-{name}", display_name=f"Fellow {name}")
        MembershipFactory(user=self.fellow, community=self.community)
        self.idea = make_idea(self.community, self.author, title=f"Des trains plus propres ({name})")


@pytest.fixture(params=["a", "b"])
def side(request, community_a, community_b) -> Side:
    return Side(request, request.param)


def comment(side: Side, capture, author=None):
    with capture(execute=True):
        return comment_create(idea=side.idea, author=author or side.fellow, body="Oui, et des poubelles de tri.")


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_a_notification_email_and_its_unsubscribe_header_link_to_the_communitys_site(
    side, django_capture_on_commit_callbacks
):
    comment(side, django_capture_on_commit_callbacks)
    [message] = mails_to(side.author)
    links = links_of(message)
    assert_all_on(links, side.host)
    assert message.extra_headers["List-Unsubscribe"] == f"<{links[-1]}>"
    assert urlsplit(links[-1]).path.startswith("/notifications/unsubscribe/")
    assert any(link.startswith(f"http://{side.host}{side.idea.get_absolute_url()}#comment-") for link in links)


def test_a_digest_links_to_the_communitys_site(side, django_capture_on_commit_callbacks, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    reader = UserFactory(username="reader", display_name="Robin")
    MembershipFactory(user=reader, community=side.community)
    Follow.objects.create(idea=side.idea, user=reader)
    comment(side, django_capture_on_commit_callbacks)
    time_machine.move_to(TUESDAY, tick=False)
    run_as_task(digests_send, Delivery.DAILY)
    [message] = mails_to(reader)
    assert_all_on(links_of(message), side.host)
    assert "List-Unsubscribe" in message.extra_headers


def test_a_moderation_decision_links_to_the_communitys_site(side, django_capture_on_commit_callbacks):
    posted = comment(side, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    item = ModerationItem.objects.get(comment=posted)
    with django_capture_on_commit_callbacks(execute=True):
        moderation_decide(item=item, moderator=side.moderator, outcome="hide", message="Hors sujet.")
    [message] = mails_to(side.fellow)
    assert_all_on(links_of(message), side.host)


def test_the_data_export_email_links_to_the_communitys_site(side, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(side.author)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("privacy_export"), HTTP_HOST=side.host).status_code == 302
    [message] = mails_to(side.author)
    links = links_of(message)
    assert_all_on(links, side.host)
    assert any(urlsplit(link).path.startswith("/accounts/privacy/export/") for link in links)


def test_the_sign_up_confirmation_email_links_to_the_communitys_site(side, client, django_capture_on_commit_callbacks):
    data = {
        "email": "camille@example.test",
        "username": "camille",
        "display_name": "Camille V.",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("account_signup"), data, HTTP_HOST=side.host).status_code == 302
    [message] = mail.outbox
    links = links_of(message)
    assert_all_on(links, side.host)
    assert urlsplit(links[0]).path.startswith("/accounts/confirm-email/")
    assert side.host in message.body  # allauth's "…an account on <domain>"
    assert "example.com" not in message.body


@pytest.mark.parametrize("known", [True, False], ids=["member", "unknown-address"])
def test_the_password_reset_email_links_to_the_communitys_site(side, client, django_capture_on_commit_callbacks, known):
    address = side.author.email if known else "nobody@example.test"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("account_reset_password"), {"email": address}, HTTP_HOST=side.host)
    assert answer.status_code == 302
    [message] = mail.outbox
    links = links_of(message)
    assert_all_on(links, side.host)
    expected = "/accounts/password/reset/key/" if known else "/accounts/signup/"
    assert urlsplit(links[0]).path.startswith(expected)


def test_links_follow_the_community_not_the_host_the_request_came_by(
    community_a, member_a, client, django_capture_on_commit_callbacks
):
    """A request by another name of the site (community A is the default one) still gets
    links on the community's domain."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member_a.email}, HTTP_HOST="localhost:8123")
    [message] = mail.outbox
    assert_all_on(links_of(message), HOSTS["a"])


def test_the_feed_links_to_the_communitys_site(side, client):
    content = client.get(reverse("ideas:feed"), HTTP_HOST=side.host).content.decode()
    links = LINK.findall(content)
    assert_all_on([link for link in links if "w3.org" not in link], side.host)
    assert f"http://{side.host}{side.idea.get_absolute_url()}" in links
    assert f'href="http://{side.host}/ideas/feed/"' in content  # rel="self"
    assert "example.com" not in content


def test_the_sitemap_robots_and_idea_page_link_to_the_communitys_site(side, client):
    sitemap = client.get("/sitemap.xml", HTTP_HOST=side.host).content.decode()
    assert f"<loc>http://{side.host}{side.idea.get_absolute_url()}</loc>" in sitemap
    assert "example.com" not in sitemap
    robots = client.get("/robots.txt", HTTP_HOST=side.host).content.decode()
    assert f"Sitemap: http://{side.host}/sitemap.xml" in robots
    page = client.get(side.idea.get_absolute_url(), HTTP_HOST=side.host).content.decode()
    assert f'<link rel="canonical" href="http://{side.host}{side.idea.get_absolute_url()}">' in page


def test_production_links_are_https(community_a, member_a, client, settings, django_capture_on_commit_callbacks):
    settings.SITE_SCHEME = "https"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member_a.email}, HTTP_HOST=HOSTS["a"])
    [message] = mail.outbox
    assert_all_on(links_of(message), HOSTS["a"], scheme="https")
    feed = client.get(reverse("ideas:feed"), HTTP_HOST=HOSTS["a"]).content.decode()
    assert f'href="https://{HOSTS["a"]}/ideas/"' in feed


def test_a_community_without_a_domain_links_to_the_address_make_run_serves(
    db, client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_HOST = "127.0.0.1:8123"  # what `PORT=8123 make run` sets
    community = CommunityFactory(name="Rail Horizon", slug="rail", domain=None, is_default=True)
    member = UserFactory(username="member-x")
    MembershipFactory(user=member, community=community)
    idea = make_idea(community, member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.email}, HTTP_HOST="127.0.0.1:8123")
    [message] = mail.outbox
    assert_all_on(links_of(message), "127.0.0.1:8123")
    feed = client.get(reverse("ideas:feed"), HTTP_HOST="127.0.0.1:8123").content.decode()
    assert f"http://127.0.0.1:8123{idea.get_absolute_url()}" in feed
