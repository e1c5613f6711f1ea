"""Fail fast, naming the service, when PostgreSQL or Redis does not answer.

Run by `make test` before pytest, and by tests/conftest.py: the suite never skips a test
because a service is missing.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

HINTS = {
    "PostgreSQL": "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": 'start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
}


def postgres_problem(url: str) -> str | None:
    import psycopg

    parts = urlsplit(url)
    try:
        with psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or "",
            dbname="postgres",
            connect_timeout=3,
        ) as connection:
            connection.execute("SELECT 1")
    except Exception as error:
        return f"PostgreSQL at {parts.hostname}:{parts.port or 5432} does not answer ({error}); {HINTS['PostgreSQL']}"
    return None


def redis_problem(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as error:
        return f"Redis at {url} does not answer ({error}); {HINTS['Redis']}"
    return None


def service_problems() -> list[str]:
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        problems.append(postgres_problem(database_url))
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        problems.append(redis_problem(redis_url))
    return [problem for problem in problems if problem]


def redis_databases(url: str) -> set[tuple[str, int]]:
    """The Redis databases a run with REDIS_URL=url uses: the broker's and, unless
    CACHE_REDIS_URL says otherwise, the cache's, the next one (config/settings.py)."""
    parts = urlsplit(url)
    server = f"{parts.hostname}:{parts.port or 6379}"
    number = int(parts.path.strip("/") or 0)
    return {(server, number), (server, number + 1)}


def overlapping_redis(urls: list[str]) -> list[str]:
    """Pairs of runs that would share a Redis database: each empties its own at will."""
    return [
        f"{one} and {two}"
        for index, one in enumerate(urls)
        for two in urls[index + 1 :]
        if redis_databases(one) & redis_databases(two)
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--apart"]:
        # make test's jobs run at once: their Redis databases (broker and cache) must differ.
        clashes = overlapping_redis(sys.argv[2:])
        for clash in clashes:
            print(f"These runs would share a Redis database (broker n, cache n + 1): {clash}", file=sys.stderr)
        sys.exit(1 if clashes else 0)
    found = service_problems()
    for problem in found:
        print(f"Missing service: {problem}", file=sys.stderr)
    sys.exit(1 if found else 0)
