"""Strict readers for settings taken from the environment.

django-environ parses URLs well but forgives too much: `DEBUG=maybe` reads as False and
`DATABASE_URL=nonsense` as an empty dict. A deployment with a typo must refuse to start
and name the variable, so every read goes through one of these helpers.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}
DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
REDIS_SCHEMES = {"redis", "rediss"}


def _raw(name: str) -> str | None:
    """The variable's value, with an empty string treated as unset."""
    value = os.environ.get(name, "").strip()
    return value or None


def _refuse(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Environment variable {name}={value!r} is malformed: expected {expected}.")


def read_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def read_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise _refuse(name, value, "one of " + ", ".join(sorted(TRUE_WORDS | FALSE_WORDS)))


def read_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _refuse(name, value, "a whole number") from None
    if number < minimum:
        raise _refuse(name, value, f"a whole number of at least {minimum}")
    return number


def read_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise _refuse(name, value, "a comma-separated list")
    return items


def read_database(name: str, default: str) -> dict[str, Any]:
    value = _raw(name) or default
    if urlsplit(value).scheme not in DATABASE_SCHEMES:
        raise _refuse(name, value, "a postgres:// or sqlite:/// URL")
    config = environ.Env.db_url_config(value)
    if not config.get("NAME"):
        raise _refuse(name, value, "a URL that names the database")
    return config


def read_redis_url(name: str) -> str | None:
    value = _raw(name)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in REDIS_SCHEMES or not parts.hostname:
        raise _refuse(name, value, "a redis://host:port/db URL")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise _refuse(name, value, "a redis://host:port/db URL with a numeric port") from None
    db = parts.path.lstrip("/")
    if db and not db.isdigit():
        raise _refuse(name, value, "a redis://host:port/db URL with a numeric database")
    return value


def redis_url_with_db(url: str, db: int) -> str:
    """The same server on another logical database (keeps the cache apart from the broker)."""
    parts = urlsplit(url)
    return parts._replace(path=f"/{db}").geturl()


def redis_db(url: str) -> int:
    db = urlsplit(url).path.lstrip("/")
    return int(db) if db else 0


def read_email(name: str, default: str) -> dict[str, Any]:
    value = _raw(name) or default
    try:
        config = environ.Env.email_url_config(value)
    except ImproperlyConfigured:
        raise _refuse(name, value, "a smtp://, smtp+tls://, smtp+ssl://, consolemail:// or filemail:// URL") from None
    if urlsplit(value).scheme == "filemail":
        # django-environ drops the leading slash of filemail:///abs/path; keep it absolute.
        config["EMAIL_FILE_PATH"] = urlsplit(value).path
    return config
