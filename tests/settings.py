"""Test settings: the project's one settings module, with the test machine's defaults.

Only environment defaults are set here (real PostgreSQL and Redis unless the caller says
otherwise); everything else is config/settings.py as deployed.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://root@127.0.0.1:5432/cluetrain")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1,.test")
# Tasks run in-process unless a test starts a real worker (see tests/celery_worker.py).
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from config.settings import *  # noqa: F403

# Hashing passwords slowly protects production, not tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
