"""Signing by the Standard Webhooks scheme (https://www.standardwebhooks.com/), and the
endpoints' secrets: generated per the spec, kept encrypted at rest.

A secret is `whsec_` followed by the base64 of 32 random bytes; the bytes are the HMAC key.
We sign with it, so it must be readable again: it is stored encrypted with Fernet
(AES-128-CBC and HMAC-SHA256, from `cryptography`) under a key derived from SECRET_KEY.
A stolen database dump alone therefore does not let anyone forge our signatures. Keys
derived from SECRET_KEY_FALLBACKS still decrypt, so rotating SECRET_KEY the Django way
(move the old one to the fallbacks) keeps every endpoint working; a secret rotated
afterwards is encrypted under the new key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

PREFIX = "whsec_"
SECRET_BYTES = 32
_SALT = "cluetrain.integrations.webhook-secret"


class SecretUnreadable(Exception):
    """The stored secret was encrypted under a key that is neither SECRET_KEY nor a fallback."""


def secret_generate() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    """The HMAC key: the base64-decoded part after `whsec_`."""
    return base64.b64decode(secret.removeprefix(PREFIX))


def _fernet_for(key: str) -> Fernet:
    derived = salted_hmac(_SALT, "fernet", secret=key, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(key) for key in keys])


def secret_encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable("the webhook secret was encrypted under another SECRET_KEY") from error


def signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,` and the base64 of HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers of one attempt: the same id on every retry (receivers deduplicate on
    it), the attempt's own time, and the signature of both with the body."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id=msg_id, timestamp=timestamp, body=body),
    }
