"""Signed one-click unsubscribe links.

A token names one member and one topic (a kind, or a digest frequency) and is signed with
the secret key under its own salt: it cannot be altered to serve another member or
another topic, and it works without signing in, as RFC 8058 one-click unsubscription
requires.
"""

from __future__ import annotations

from django.core import signing

SALT = "notifications.unsubscribe"
DIGEST_TOPICS = ("digest:daily", "digest:weekly")


def unsubscribe_token(user_id: int, topic: str) -> str:
    return signing.dumps([user_id, topic], salt=SALT, compress=False)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """The (member id, topic) a token was made for; `signing.BadSignature` if forged."""
    value = signing.loads(token, salt=SALT)
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        raise signing.BadSignature("Malformed unsubscribe token")
    return value[0], value[1]
