"""Sessions kept in the database and read through the cache, that survive a cache outage.

Django's cached_db engine reads the cache first and writes both, but lets a cache error
escape from a read that misses (it stores what it read) and from a delete: while Redis is
down every signed-in request would answer 500. Here the cache is only ever a copy, reached
through `config.rowcache.attempt`: an outage is logged once, every session is read from and
written to the database meanwhile, and nothing is lost.

A copy the cache could not update or delete (a sign-out during an outage) must not be read
again once Redis answers: this process deletes it then, before reading anything, and copies
live at most ROW_SECONDS, which bounds what another process could read meanwhile. Sessions
must use the default cache (SESSION_CACHE_ALIAS), whose outages `rowcache` follows.

Only the synchronous methods are changed: the site is served over WSGI.
"""

from __future__ import annotations

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

from config import rowcache


class SessionStore(CachedDBStore):
    def _cache_seconds(self, expiry=None) -> int:
        return min(self.get_expiry_age(expiry=expiry), rowcache.ROW_SECONDS)

    def load(self) -> dict:
        key = self.cache_key
        data = rowcache.attempt(lambda: self._cache.get(key))
        if data is not rowcache.FAILED and data is not None:
            return data
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        seconds = self._cache_seconds(expiry=stored.expire_date)
        rowcache.attempt(lambda: self._cache.set(key, data, seconds))
        return data

    def exists(self, session_key: str | None) -> bool:
        if not session_key:
            return False
        cached = rowcache.attempt(lambda: (self.cache_key_prefix + session_key) in self._cache)
        return cached is True or DBStore.exists(self, session_key)

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)  # the session of record, whatever the cache does
        key, data, seconds = self.cache_key, self._session, self._cache_seconds()
        if rowcache.attempt(lambda: self._cache.set(key, data, seconds)) is rowcache.FAILED:
            rowcache.delete(key)  # the previous copy must not outlive the outage

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        rowcache.delete(self.cache_key_prefix + session_key)
