"""The external spam checker, against a real HTTP server on 127.0.0.1.

The server is a `ThreadingHTTPServer` started by each test; what it answers (status, body,
headers, delay, or bytes that are not HTTP at all) is set per test, and it records every
request it receives. Ideas are posted through the service (or the real view) inside a
capture of on-commit callbacks, so the moderation check runs eagerly as after a commit.

What must hold (PRODUCT.md §4): ham is approved, spam is held, blatant spam is rejected,
and a checker that fails (slow, broken, garbage) never approves and never loses an item:
it is held for a human with "spam_check_unavailable". After FAILURES_TO_OPEN failures in
a row the circuit opens: no HTTP call, items held; after OPEN_SECONDS a success closes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.core.cache import cache
from django.urls import reverse

from community.models import ModerationDecision, ModerationItem
from community.models.moderation import ItemState, Outcome
from community.moderation import spam_check
from community.moderation.services import rule_for
from ideas.models import Comment, Idea, ModerationState
from tests.factories import make_idea

CHECK_PATH = "/1.1/comment-check"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"false"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (ended early when the test finishes)
    raw: bytes | None = None  # bytes written as they are, instead of an HTTP response
    trickle: float = 0.0  # seconds between the bytes of `raw`


class SpamServer:
    """An Akismet-compatible endpoint whose answer the test sets."""

    def __init__(self) -> None:
        self.answer = Answer()
        self.requests: list[dict] = []
        self.released = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                server.requests.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type", ""),
                        "form": {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()},
                    }
                )
                answer = server.answer
                try:
                    if answer.delay:
                        server.released.wait(answer.delay)
                    if answer.raw is not None:
                        for byte in answer.raw:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            if answer.trickle:
                                time.sleep(answer.trickle)
                        self.close_connection = True
                        return
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(answer.body)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:  # the checker gave up (timeout): nobody is listening
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{CHECK_PATH}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server(settings) -> Iterator[SpamServer]:
    spam_server = SpamServer()
    spam_server.start()
    settings.MODERATION_SPAM_CHECK_URL = spam_server.url
    settings.MODERATION_SPAM_CHECK_TIMEOUT = 1
    cache.clear()  # the breaker's state lives in the cache
    try:
        yield spam_server
    finally:
        spam_server.stop()
        cache.clear()


@pytest.fixture
def post(community_a, member_a, django_capture_on_commit_callbacks):
    """Post a clean idea in community A and return its checked moderation item."""
    counter = iter(range(1, 1000))

    def post_idea(title: str | None = None) -> ModerationItem:
        number = next(counter)
        title = title or f"Une idée propre numéro {number}"
        with django_capture_on_commit_callbacks(execute=True):
            idea = make_idea(community_a, member_a, title=title, body=f"Des trains plus confortables ({number}).")
        return ModerationItem.objects.get(idea=idea)

    return post_idea


def content_state(item: ModerationItem) -> str:
    return Idea.objects.get(pk=item.idea_id).moderation_state


def automatic_decision(item: ModerationItem) -> ModerationDecision:
    return ModerationDecision.objects.get(item=item, automatic=True)


# --- Verdicts -------------------------------------------------------------------------------


def test_ham_is_approved(server, post):
    server.answer = Answer(body=b"false")
    item = post()
    assert item.state == ItemState.APPROVED
    assert item.reasons == ""
    assert content_state(item) == ModerationState.APPROVED
    assert automatic_decision(item).outcome == Outcome.APPROVE
    assert len(server.requests) == 1
    assert server.requests[0]["path"] == CHECK_PATH


def test_spam_is_held_for_a_human(server, post):
    server.answer = Answer(body=b"true")
    item = post()
    assert item.state == ItemState.HELD
    assert item.reason_codes() == ["spam"]
    assert content_state(item) == ModerationState.PENDING  # off the public pages until decided
    assert Idea.objects.get(pk=item.idea_id).stats.is_listed is False
    decision = automatic_decision(item)
    assert (decision.outcome, decision.reasons) == (Outcome.HOLD, "spam")


def test_blatant_spam_is_rejected(server, post):
    server.answer = Answer(body=b"true", headers={"X-akismet-pro-tip": "discard"})
    item = post()
    assert item.state == ItemState.REJECTED
    assert item.reason_codes() == ["spam"]
    assert content_state(item) == ModerationState.REJECTED
    assert automatic_decision(item).outcome == Outcome.REJECT


def test_the_discard_tip_on_ham_does_not_reject(server, post):
    server.answer = Answer(body=b"false", headers={"X-akismet-pro-tip": "discard"})
    item = post()
    assert item.state == ItemState.APPROVED


def test_a_slow_checker_holds_the_item_and_never_approves_it(server, post):
    server.answer = Answer(body=b"false", delay=5)  # would say ham, but too late
    started = time.monotonic()
    item = post()
    assert time.monotonic() - started < 4, "the checker's timeout was not applied"
    assert item.state == ItemState.HELD
    assert item.reason_codes() == ["spam_check_unavailable"]
    assert content_state(item) == ModerationState.PENDING
    assert automatic_decision(item).outcome == Outcome.HOLD


def test_a_checker_that_trickles_its_answer_is_given_up_after_the_timeout(server, post):
    # One byte every 0.1 s (well within the 1 s timeout), about 4 s in all, ending in "false".
    server.answer = Answer(raw=b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfalse", trickle=0.1)
    started = time.monotonic()
    item = post()
    elapsed = time.monotonic() - started
    assert item.state == ItemState.HELD, f"approved after {elapsed:.1f} s"
    assert item.reason_codes() == ["spam_check_unavailable"]
    assert elapsed < 3


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=500, body=b"false"),
        Answer(status=503, body=b"true"),
        Answer(status=404, body=b"false"),
        Answer(body=b"invalid", headers={"X-akismet-debug-help": "bad key"}),
        Answer(body=b""),
        Answer(body=b"<html><body>Bad gateway</body></html>"),
        Answer(body=b"FALSE"),
        Answer(body=b"false, probably"),
        Answer(body=b"\xff\xfe\x00garbage"),
    ],
    ids=["500-false", "503-true", "404", "invalid", "empty", "html", "upper-case", "chatty", "binary"],
)
def test_a_broken_checker_holds_the_item(server, post, answer):
    server.answer = answer
    item = post()
    assert len(server.requests) == 1
    assert item.state == ItemState.HELD
    assert item.reason_codes() == ["spam_check_unavailable"]
    assert content_state(item) == ModerationState.PENDING
    assert cache.get(spam_check.FAILURES_KEY) == 1  # counted by the breaker


@pytest.mark.parametrize(
    "raw",
    [
        b"SPAM? NO\r\n\r\nfalse",  # not an HTTP status line
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nfalse\r\n0\r\n\r\n",  # bad chunk size
    ],
    ids=["bad-status-line", "bad-chunk"],
)
def test_an_answer_that_is_not_http_holds_the_item(server, post, raw):
    server.answer = Answer(raw=raw)
    item = post()
    assert len(server.requests) == 1
    item.refresh_from_db()
    assert item.state == ItemState.HELD
    assert item.reason_codes() == ["spam_check_unavailable"]


def test_a_checker_that_refuses_connections_holds_the_item(server, settings, post):
    server.stop()  # nothing listens on the port any more
    item = post()
    assert item.state == ItemState.HELD
    assert item.reason_codes() == ["spam_check_unavailable"]


def test_a_community_that_does_not_use_the_checker_makes_no_call(server, community_a, post):
    rule = rule_for(community_a)
    rule.use_spam_check = False
    rule.save()
    server.answer = Answer(body=b"true")
    item = post()
    assert server.requests == []
    assert item.state == ItemState.APPROVED


def test_local_reasons_and_spam_are_both_kept(server, community_a, post):
    rule = rule_for(community_a)
    rule.banned_words = "confortables"
    rule.save()
    server.answer = Answer(body=b"true")
    item = post()
    assert item.state == ItemState.HELD
    assert item.reason_codes() == ["banned_words", "spam"]


# --- What the checker is told -----------------------------------------------------------------


def test_the_check_carries_the_content_the_author_and_the_client(
    server, client, community_a, member_a, django_capture_on_commit_callbacks
):
    server.answer = Answer(body=b"false")
    client.force_login(member_a)
    agent = "Mozilla/5.0 (X11; Linux x86_64) Navetteur/1.0"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ideas:create"),
            {"title": "Des horaires affichés sur le quai", "body": "Avec les retards en **temps réel**.", "tags": ""},
            REMOTE_ADDR="203.0.113.42",
            HTTP_USER_AGENT=agent,
        )
    assert response.status_code == 302
    item = ModerationItem.objects.get(idea__title="Des horaires affichés sur le quai")
    assert (item.ip, item.user_agent) == ("203.0.113.42", agent)
    assert item.state == ItemState.APPROVED
    (request,) = server.requests
    assert request["content_type"] == "application/x-www-form-urlencoded"
    form = request["form"]
    assert "Des horaires affichés sur le quai" in form["comment_content"]
    assert "Avec les retards en **temps réel**." in form["comment_content"]
    assert form["comment_author"] == member_a.public_name
    assert form["comment_author_email"] == member_a.email
    assert form["user_ip"] == "203.0.113.42"
    assert form["user_agent"] == agent
    assert form["comment_type"] == "forum-post"
    assert form["blog"]


def test_a_comment_is_checked_as_a_reply_with_its_client(
    server, client, community_a, member_a, idea_a, django_capture_on_commit_callbacks
):
    server.answer = Answer(body=b"true")
    client.force_login(member_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ideas:comment", args=[idea_a.pk]),
            {"body": "Achetez des montres pas chères ici."},
            REMOTE_ADDR="198.51.100.7",
            HTTP_USER_AGENT="SpamBot/2.0",
        )
    assert response.status_code in (200, 302)
    comment = Comment.objects.get(idea=idea_a)
    item = ModerationItem.objects.get(comment=comment)
    assert item.state == ItemState.HELD
    assert item.reason_codes() == ["spam"]
    form = server.requests[-1]["form"]
    assert form["comment_type"] == "reply"
    assert form["comment_content"] == "Achetez des montres pas chères ici."
    assert (form["user_ip"], form["user_agent"]) == ("198.51.100.7", "SpamBot/2.0")
    comment.refresh_from_db()
    assert comment.moderation_state == ModerationState.PENDING


# --- Circuit breaker --------------------------------------------------------------------------


class Clock:
    """Stands in for the `time` module inside spam_check, so that the open period can pass."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(spam_check, "time", fake)
    return fake


def test_the_circuit_opens_after_failures_in_a_row_and_closes_on_success(server, post, clock):
    server.answer = Answer(status=500, body=b"oops")
    for number in range(spam_check.FAILURES_TO_OPEN):
        item = post()
        assert item.reason_codes() == ["spam_check_unavailable"]
        assert len(server.requests) == number + 1
        assert spam_check.circuit_is_open() is (number + 1 == spam_check.FAILURES_TO_OPEN)

    # Open: the checker is not called, even though it would now answer ham; the item waits.
    server.answer = Answer(body=b"false")
    item = post()
    assert len(server.requests) == spam_check.FAILURES_TO_OPEN
    assert item.state == ItemState.HELD
    assert item.reason_codes() == ["spam_check_unavailable"]
    assert content_state(item) == ModerationState.PENDING

    # Still open just before the end of the period.
    clock.now += spam_check.OPEN_SECONDS - 1
    item = post()
    assert len(server.requests) == spam_check.FAILURES_TO_OPEN
    assert item.state == ItemState.HELD

    # After the period, the next check calls again; its success closes the circuit.
    clock.now += 2
    item = post()
    assert len(server.requests) == spam_check.FAILURES_TO_OPEN + 1
    assert item.state == ItemState.APPROVED
    assert not spam_check.circuit_is_open()
    assert cache.get(spam_check.FAILURES_KEY) is None

    # The failures counter starts again from zero: FAILURES_TO_OPEN - 1 failures keep it closed.
    server.answer = Answer(status=500, body=b"oops")
    for _ in range(spam_check.FAILURES_TO_OPEN - 1):
        post()
    assert not spam_check.circuit_is_open()
    calls = len(server.requests)
    server.answer = Answer(body=b"false")
    assert post().state == ItemState.APPROVED
    assert len(server.requests) == calls + 1


def test_failures_that_are_not_in_a_row_do_not_open_the_circuit(server, post, clock):
    for _ in range(3):
        server.answer = Answer(status=500)
        for _ in range(spam_check.FAILURES_TO_OPEN - 1):
            assert post().reason_codes() == ["spam_check_unavailable"]
        server.answer = Answer(body=b"false")
        assert post().state == ItemState.APPROVED
    assert not spam_check.circuit_is_open()
    assert len(server.requests) == 3 * spam_check.FAILURES_TO_OPEN


def test_the_circuit_opens_on_timeouts_too_and_then_answers_at_once(server, post, clock):
    server.answer = Answer(body=b"false", delay=5)
    for _ in range(spam_check.FAILURES_TO_OPEN):
        assert post().reason_codes() == ["spam_check_unavailable"]
    assert spam_check.circuit_is_open()
    started = time.monotonic()
    item = post()
    assert time.monotonic() - started < 0.9  # no call, so no wait for the timeout
    assert item.reason_codes() == ["spam_check_unavailable"]
    assert len(server.requests) == spam_check.FAILURES_TO_OPEN


def test_a_failure_after_the_open_period_opens_it_again(server, post, clock):
    server.answer = Answer(status=500)
    for _ in range(spam_check.FAILURES_TO_OPEN):
        post()
    clock.now += spam_check.OPEN_SECONDS + 1
    post()  # the trial call fails
    assert len(server.requests) == spam_check.FAILURES_TO_OPEN + 1
    assert spam_check.circuit_is_open()
    server.answer = Answer(body=b"false")
    assert post().state == ItemState.HELD
    assert len(server.requests) == spam_check.FAILURES_TO_OPEN + 1


def test_the_breaker_is_shared_through_the_cache(server, post, clock):
    """Another worker's failures count too: the state is in the shared cache, not in memory."""
    cache.set(spam_check.FAILURES_KEY, spam_check.FAILURES_TO_OPEN - 1, timeout=3600)
    server.answer = Answer(status=502)
    post()
    assert spam_check.circuit_is_open()
    server.answer = Answer(body=b"false")
    assert post().state == ItemState.HELD
    assert len(server.requests) == 1


def test_with_a_real_short_open_period_the_circuit_closes_by_itself(server, post, monkeypatch):
    monkeypatch.setattr(spam_check, "OPEN_SECONDS", 1)
    server.answer = Answer(status=500)
    for _ in range(spam_check.FAILURES_TO_OPEN):
        post()
    assert spam_check.circuit_is_open()
    time.sleep(1.2)
    server.answer = Answer(body=b"false")
    assert post().state == ItemState.APPROVED
    assert len(server.requests) == spam_check.FAILURES_TO_OPEN + 1
    assert cache.get(spam_check.FAILURES_KEY) is None
