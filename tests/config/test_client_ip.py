"""The client's address (config/client_ip.py): behind the documented proxy, the entry our
proxies appended to X-Forwarded-For, never one the client wrote; without a proxy, the
connection's own address. Rate limits, moderation and logs all read it."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from community.models import ModerationItem
from config.client_ip import ClientIPFilter, client_ip
from ideas.models import Comment, Idea
from tests.config.test_settings import run_python
from tests.factories import PASSWORD

HOST_A = "ideas.brand-a.test"
PROXY = "10.0.0.2"


def request_with(forwarded: str | None = None, remote: str = PROXY, **headers):
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_CLIENT_IP_HEADER = "X-Forwarded-For"
    return settings


# --- Reading the address ----------------------------------------------------------------


def test_it_takes_the_entry_the_proxy_appended(behind_proxy):
    assert client_ip(request_with("203.0.113.7")) == "203.0.113.7"


def test_it_ignores_what_the_client_wrote_to_the_left(behind_proxy):
    assert client_ip(request_with("198.51.100.1, 192.0.2.9, 203.0.113.7")) == "203.0.113.7"


def test_with_two_proxies_it_takes_the_second_entry_from_the_right(behind_proxy):
    behind_proxy.TRUSTED_PROXY_COUNT = 2
    # spoofed by the client, the client as the outer proxy saw it, the outer proxy
    assert client_ip(request_with("198.51.100.1, 203.0.113.7, 10.0.0.1")) == "203.0.113.7"


def test_it_reads_ipv6_and_addresses_with_a_port(behind_proxy):
    assert client_ip(request_with("2001:DB8::1")) == "2001:db8::1"
    assert client_ip(request_with("[2001:db8::1]:4711")) == "2001:db8::1"
    assert client_ip(request_with("203.0.113.7:4711")) == "203.0.113.7"


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", "203.0.113.7, <script>", " , "])
def test_a_missing_or_malformed_header_falls_back_to_the_connection(behind_proxy, forwarded):
    assert client_ip(request_with(forwarded)) == PROXY


def test_a_header_shorter_than_the_chain_of_proxies_falls_back_to_the_connection(behind_proxy):
    behind_proxy.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_with("203.0.113.7")) == PROXY


def test_the_header_can_be_another_one(behind_proxy):
    behind_proxy.TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    request = request_with("198.51.100.1", HTTP_X_REAL_IP="203.0.113.7")
    assert client_ip(request) == "203.0.113.7"


def test_without_a_proxy_the_header_is_ignored(settings):
    settings.BEHIND_PROXY = False
    assert client_ip(request_with("203.0.113.7", remote="192.0.2.44")) == "192.0.2.44"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("TRUSTED_PROXY_COUNT", "0"), ("TRUSTED_PROXY_COUNT", "one"), ("TRUSTED_CLIENT_IP_HEADER", "X Forwarded")],
)
def test_a_malformed_setting_stops_start_up(variable, value):
    result = run_python(["-c", "import django; django.setup()"], {variable: value})
    assert result.returncode != 0
    assert variable in result.stderr


# --- Through the site ---------------------------------------------------------------------


def visitor(address: str) -> Client:
    """A browser whose requests reach us through the proxy, which appends its address."""
    return Client(HTTP_HOST=HOST_A, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_failed_sign_ins_from_one_client_do_not_lock_out_another(behind_proxy, member_a):
    attacker = visitor("198.51.100.66")
    for attempt in range(12):  # "10/m/ip"; a different login each time, so no account limit
        attacker.post(reverse("account_login"), {"login": f"nobody-{attempt}", "password": "wrong"})
    attacker.post(reverse("account_login"), {"login": member_a.username, "password": PASSWORD})
    assert not signed_in(attacker)  # the attacker is limited...

    spoofing = Client(HTTP_HOST=HOST_A, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.66")
    spoofing.post(reverse("account_login"), {"login": member_a.username, "password": PASSWORD})
    assert not signed_in(spoofing)  # ...also when writing another address in front...

    member = visitor("203.0.113.5")
    member.post(reverse("account_login"), {"login": member_a.username, "password": PASSWORD})
    assert signed_in(member)  # ...and nobody else is


def test_an_idea_posted_behind_the_proxy_records_the_clients_address(
    behind_proxy, member_a, community_a, django_capture_on_commit_callbacks
):
    client = visitor("192.0.2.1, 203.0.113.9")
    client.force_login(member_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ideas:create"), {"title": "Des casiers à vélos", "body": "Sécurisés."})
    assert response.status_code == 302
    idea = Idea.objects.get(title="Des casiers à vélos")
    assert ModerationItem.objects.get(kind="idea", idea=idea).ip == "203.0.113.9"


def test_a_comment_posted_behind_the_proxy_records_the_clients_address(
    behind_proxy, member_b, idea_a, community_a, django_capture_on_commit_callbacks
):
    client = visitor("203.0.113.10")
    client.force_login(idea_a.author)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ideas:comment", args=[idea_a.pk]), {"body": "Oui, et des bornes de recharge."})
    comment = Comment.objects.get(idea=idea_a)
    assert ModerationItem.objects.get(kind="comment", comment=comment).ip == "203.0.113.10"


def test_log_lines_about_a_request_name_the_client(behind_proxy, client):
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: /x", (), None)
    record.request = request_with("192.0.2.1, 203.0.113.7")
    ClientIPFilter().filter(record)
    assert record.client_ip == "203.0.113.7"
    other = logging.LogRecord("config.pagecache", logging.WARNING, __file__, 1, "Cache unavailable", (), None)
    ClientIPFilter().filter(other)
    assert other.client_ip == "-"


def test_a_not_found_page_is_logged_with_the_clients_address(behind_proxy, community_a, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    visitor("192.0.2.1, 203.0.113.7").get("/no-such-page/")
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert ClientIPFilter().filter(record) and record.client_ip == "203.0.113.7"
