"""Form posts that create something, made once: a retried post creates nothing twice.

Each such form carries a random key (`form_key_new`, rendered by `{% form_key %}`). A post
runs its service through `submit_once`, which records (member, key) in the same
transaction as what the service saved. The same post again (a double click, a retry after
an answer that never came, a page sent again after a server error) finds that record and
is answered with what the first post made, creating nothing. A post without a key (an old
form, an API client) is run as it always was, without that protection; a malformed key is
ignored the same way, never an error.

"The same post" is the same key *and* the same fields to the same address (a fingerprint
is kept with the key): a form shown again by the browser's back button with its old key,
and something new typed in it, is a new post, never swallowed as the old one.

It lives in `accounts`, the bottom layer, because what it records is the member's own post,
and every layer above posts through it: `community` (reports), `ideas` (ideas, comments,
responses).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import SubmittedForm, User

logger = logging.getLogger(__name__)
T = TypeVar("T")

FORM_KEY_FIELD = "form_key"
FORM_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # what form_key_new draws, and room for clients
KEPT_FOR = timedelta(days=1)


def form_key_new() -> str:
    """A fresh key for one rendering of a form (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(24)


def form_key_series() -> Callable[[], str]:
    """Keys for the forms of one rendering of a page: one random draw (form_key_new), then a
    counter after it. An idea page has a reply and a report form per comment, a hundred
    keys; each is still this rendering's own and distinct from the others on the page."""
    base = form_key_new()
    numbers = itertools.count()
    return lambda: f"{base}{next(numbers):x}"


def form_fingerprint(request: HttpRequest) -> str:
    """What a post says, as a digest: its address and fields (the CSRF token and the key
    aside: a retry from a page reloaded has a new token) and the names and sizes of its files."""
    fields = sorted(
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", FORM_KEY_FIELD)
        for value in values
    )
    files = sorted((name, upload.name, upload.size) for name, uploads in request.FILES.lists() for upload in uploads)
    return hashlib.blake2b(repr((request.path, fields, files)).encode(), digest_size=16).hexdigest()


def form_key_of(data: Mapping[str, str]) -> str | None:
    """The post's key; None without one, or with one that is not a key we draw (logged)."""
    key = data.get(FORM_KEY_FIELD, "")
    if not key:
        return None
    if not FORM_KEY_PATTERN.fullmatch(key):
        logger.warning("Ignored a malformed form key (%d characters)", len(key))
        return None
    return key


@dataclass(frozen=True)
class Submitted(Generic[T]):
    """What a post led to: made now (`created`), or by an earlier post with its key."""

    created: T | None  # None: an earlier post with this key made it
    object_id: int | None
    target_url: str  # the page that shows what the post made

    @property
    def again(self) -> bool:
        return self.created is None


_RESERVE = """
INSERT INTO {table} (user_id, "key", fingerprint, target_url, created_at) VALUES (%s, %s, %s, '', %s)
ON CONFLICT (user_id, "key") DO NOTHING RETURNING id
"""


def submit_once(
    request: HttpRequest, *, kind: str, create: Callable[[], T], target_url: Callable[[T], str]
) -> Submitted[T]:
    """Run `create` (a service that writes) for this signed-in member's post, once per form
    key, in one transaction with the key's record; `target_url(created)` is the page that
    shows what it made, where the same post sent again is taken. `kind` names the form in
    the logs.

    Call it outside any transaction. The key is claimed first: a twin post running at the
    same time waits on the unique index until this one commits, then finds the record; if
    `create` raises (a refusal), the claim is rolled back with it and the form can be sent
    again. A failure after the commit (a queued task or a cache bump that raises) is logged,
    not raised: what was made is saved, and the member must be told so, not shown a 500.
    """
    user, key = request.user, form_key_of(request.POST)
    fingerprint = form_fingerprint(request) if key is not None else ""
    committed = False

    def mark_committed() -> None:
        nonlocal committed
        committed = True

    created = earlier = None
    url = ""
    try:
        with transaction.atomic():
            transaction.on_commit(mark_committed)  # the first of this transaction's hooks
            if key is not None and not _claim(user, key, fingerprint):
                earlier = SubmittedForm.objects.get(user=user, key=key)
            if earlier is not None and earlier.fingerprint != fingerprint:
                # Not this post sent again: something else sent with a key in use (a form
                # shown again with its old key). It is made, without a key to answer for it.
                logger.info("A %s form came with a key used by another post: made without it", kind)
                earlier = None
                key = None
            if earlier is None:
                created = create()
                url = target_url(created)
                if key is not None:
                    SubmittedForm.objects.filter(user=user, key=key).update(
                        object_id=getattr(created, "pk", None), target_url=url
                    )
    except Exception:
        if not committed:
            raise
        logger.exception("Work after the commit of a post (%s) failed; the post is saved", kind)
    if earlier is not None:
        return Submitted(None, earlier.object_id, earlier.target_url)
    return Submitted(created, getattr(created, "pk", None), url)


def _claim(user: User, key: str, fingerprint: str) -> bool:
    """Record the key for this member, unless recorded already; whether it was recorded now."""
    statement = _RESERVE.format(table=SubmittedForm._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(statement, (user.pk, key, fingerprint, now))
        return cursor.fetchone() is not None


def submissions_purge() -> int:
    """Forget keys older than `KEPT_FOR` (a form is not retried a day later); how many."""
    deleted, _by_model = SubmittedForm.objects.filter(created_at__lt=timezone.now() - KEPT_FOR).delete()
    return deleted
