"""An Akismet-compatible spam checker over HTTP, behind a circuit breaker.

`MODERATION_SPAM_CHECK_URL` points at the service's comment-check endpoint (for Akismet:
https://<key>.rest.akismet.com/1.1/comment-check). Each call has a short timeout. After
`FAILURES_TO_OPEN` failures in a row the circuit opens for `OPEN_SECONDS`: no call is made
and items are held for a human (never approved blindly, never lost). The breaker's state
lives in the shared cache, so every worker process sees it.
"""

from __future__ import annotations

import logging
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from enum import Enum

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

FAILURES_KEY = "moderation:spamcheck:failures"
OPEN_UNTIL_KEY = "moderation:spamcheck:open_until"
FAILURES_TO_OPEN = 3
OPEN_SECONDS = 60


class Verdict(Enum):
    HAM = "ham"
    SPAM = "spam"
    DISCARD = "discard"  # spam so blatant that it can be rejected without a human
    UNAVAILABLE = "unavailable"
    NOT_CONFIGURED = "not_configured"


def is_configured() -> bool:
    """Whether a check can mean an HTTP call (otherwise `check` answers NOT_CONFIGURED at once)."""
    return bool(settings.MODERATION_SPAM_CHECK_URL)


def circuit_is_open() -> bool:
    return (cache.get(OPEN_UNTIL_KEY) or 0) > time.time()


def _record_failure() -> None:
    try:
        failures = cache.incr(FAILURES_KEY)
    except ValueError:
        cache.set(FAILURES_KEY, 1, timeout=3600)
        failures = 1
    if failures >= FAILURES_TO_OPEN:
        cache.set(OPEN_UNTIL_KEY, time.time() + OPEN_SECONDS, timeout=OPEN_SECONDS)
        logger.warning("Spam checker failed %d times in a row: circuit open for %d s", failures, OPEN_SECONDS)


def _record_success() -> None:
    cache.delete_many([FAILURES_KEY, OPEN_UNTIL_KEY])


_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="spam-check")


def _post(url: str, data: bytes, timeout: float) -> tuple[str, bool]:
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - the operator's URL
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        answer = response.read(64).decode(errors="replace").strip()
        return answer, response.headers.get("X-akismet-pro-tip", "") == "discard"


def check(*, content: str, author_name: str, author_email: str, ip: str | None, user_agent: str, kind: str) -> Verdict:
    url = settings.MODERATION_SPAM_CHECK_URL
    if not url:
        return Verdict.NOT_CONFIGURED
    if circuit_is_open():
        return Verdict.UNAVAILABLE
    data = urllib.parse.urlencode(
        {
            "blog": settings.MODERATION_SPAM_CHECK_SITE,
            "user_ip": ip or "",
            "user_agent": user_agent,
            "comment_type": "forum-post" if kind == "idea" else "reply",
            "comment_author": author_name,
            "comment_author_email": author_email,
            "comment_content": content,
            "blog_lang": "fr, en",
        }
    ).encode()
    timeout = settings.MODERATION_SPAM_CHECK_TIMEOUT
    # urlopen's timeout bounds each socket read, not the call: a server trickling its
    # answer would hold the worker. The whole exchange gets one deadline.
    future = _EXECUTOR.submit(_post, url, data, timeout)
    try:
        answer, discard = future.result(timeout=timeout)
    except Exception as error:  # timeouts, refused connections, broken HTTP: all "unavailable"
        future.cancel()
        logger.warning("Spam checker unavailable: %r", error)
        _record_failure()
        return Verdict.UNAVAILABLE
    if answer not in ("true", "false"):
        logger.warning("Spam checker answered %r", answer)
        _record_failure()
        return Verdict.UNAVAILABLE
    _record_success()
    if answer == "false":
        return Verdict.HAM
    return Verdict.DISCARD if discard else Verdict.SPAM
