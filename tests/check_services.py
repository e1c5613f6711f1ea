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


if __name__ == "__main__":
    found = service_problems()
    for problem in found:
        print(f"Missing service: {problem}", file=sys.stderr)
    sys.exit(1 if found else 0)
