"""Making, finding and revoking API keys.

A key reads `clt_<prefix>_<secret>`: the prefix (8 characters, not secret) finds the row,
the whole key's SHA-256 is compared in constant time with the stored digest.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from api.models import ApiKey, Scope
from community.models import Community

KEY_PREFIX = "clt_"
# last_used_at is written at most this often per key: not a write per request.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # the whole key, shown once


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_create(
    *,
    community: Community,
    name: str,
    scopes: list[str],
    created_by: User | None,
    expires_at: datetime | None = None,
) -> NewKey:
    """Make a key; the returned secret is the only copy (only its digest is stored)."""
    key = ApiKey(community=community, name=name, scopes=scopes, expires_at=expires_at, created_by=created_by)
    return NewKey(key=key, secret=api_key_issue(key=key))


def api_key_issue(*, key: ApiKey) -> str:
    """Give an unsaved key its prefix and secret, save it, and return the secret: the
    admin's form fills the other fields, this makes the credential."""
    unknown = set(key.scopes) - set(Scope.values)
    if unknown:
        raise ValueError(f"Unknown scopes: {sorted(unknown)}")
    key.scopes = sorted(set(key.scopes), key=Scope.values.index)
    key.prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{key.prefix}_{secrets.token_urlsafe(32)}"
    key.secret_hash = _digest(raw)
    key.save()
    return raw


def api_key_revoke(*, keys) -> int:
    """Revoke keys (a queryset) at once; revoked keys stay listed, with the time."""
    return keys.filter(revoked_at=None).update(revoked_at=timezone.now())


def api_key_find(raw: str, *, community: Community | None = None) -> ApiKey | None:
    """The usable key (not revoked, not expired) whose secret this is; None otherwise.
    One query (two for a key of another community than `community`, the one the request's
    host already loaded); the last-used time is written at most once a minute."""
    raw = raw.strip()
    prefix = raw[len(KEY_PREFIX) : len(KEY_PREFIX) + 8]
    if not raw.startswith(KEY_PREFIX) or len(prefix) != 8 or not prefix.isalnum() or raw[12:13] != "_":
        return None
    key = ApiKey.objects.select_related("created_by").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _digest(raw)):
        return None
    if community is not None and community.pk == key.community_id:
        key.community = community
    now = timezone.now()
    if not key.is_usable(now):
        return None
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        with transaction.atomic():
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
