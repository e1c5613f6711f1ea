"""Settings come from the environment; a malformed value stops start-up and names itself.

Each case starts a fresh interpreter with a controlled environment, because settings are
read once at import time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3v!9x#Qm2@Lr8$Tz5&Wn1*Hb7^Yc4(Fd6)Gs0_Pj-Ue+Ra=Vo;Ki:Xl<Mq>Nw?Bt",
    "ALLOWED_HOSTS": "idees.example.com",
    "DATABASE_URL": "postgres://root@127.0.0.1:5432/cluetrain",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
}
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "debug": settings.DEBUG,
    "database_engine": settings.DATABASES["default"]["ENGINE"],
    "database_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "broker": settings.CELERY_BROKER_URL,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "email_backend": settings.EMAIL_BACKEND,
    "email_delivery": settings.EMAIL_DELIVERY_BACKEND,
    "email_host": settings.EMAIL_HOST,
    "language": settings.LANGUAGE_CODE,
}))
"""


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    clean.update(env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def probe(env: dict[str, str]) -> dict:
    result = run_python(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.smoke
def test_it_defaults_to_the_embedded_setup_with_no_variable_set():
    values = probe({})
    assert values["debug"] is True
    assert values["database_engine"] == "django.db.backends.sqlite3"
    assert values["database_name"] == str(ROOT / "var" / "cluetrain.sqlite3")
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["broker"] is None
    assert values["eager"] is True
    assert values["email_backend"] == "config.mail.CeleryEmailBackend"
    assert values["email_delivery"] == "django.core.mail.backends.console.EmailBackend"
    assert values["language"] == "fr"


def test_it_uses_redis_as_broker_and_cache_when_redis_url_is_set():
    values = probe({"REDIS_URL": "redis://127.0.0.1:6379/4", "DATABASE_URL": "postgres://u@db.example:5432/app"})
    assert values["broker"] == "redis://127.0.0.1:6379/4"
    assert values["eager"] is False
    assert values["cache"] == "config.redis_cache.RedisCache"
    # The cache sits on the next database, so clearing it never empties the broker's queues.
    assert values["cache_location"] == "redis://127.0.0.1:6379/5"
    assert values["database_engine"] == "django.db.backends.postgresql"
    assert values["database_name"] == "app"


def test_the_cache_can_have_its_own_redis_instance():
    """Production: the cache on an instance with an eviction policy, the broker's on noeviction."""
    values = probe({"REDIS_URL": "redis://broker.internal:6379/0", "CACHE_REDIS_URL": "redis://cache.internal:6380/2"})
    assert values["broker"] == "redis://broker.internal:6379/0"
    assert values["cache_location"] == "redis://cache.internal:6380/2"


def test_it_reads_smtp_settings_from_email_url():
    values = probe({"EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587"})
    assert values["email_delivery"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["email_host"] == "smtp.example.com"
    assert values["email_backend"] == "config.mail.CeleryEmailBackend"  # still through the task


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "nonsense"),
        ("DATABASE_URL", "mysql://root@localhost/app"),
        ("REDIS_URL", "http://127.0.0.1:6379/0"),
        ("REDIS_URL", "redis://127.0.0.1:port/0"),
        ("CACHE_REDIS_URL", "memcached://127.0.0.1:11211"),
        ("EMAIL_URL", "carrier-pigeon://loft"),
        ("EMAIL_TIMEOUT", "soon"),
        ("SECURE_HSTS_SECONDS", "-5"),
    ],
)
def test_it_refuses_to_start_with_a_malformed_variable_and_names_it(variable, value):
    result = run_python(["manage.py", "check"], {variable: value})
    assert result.returncode != 0
    assert f"Environment variable {variable}=" in result.stderr
    assert "malformed" in result.stderr


def test_it_refuses_to_start_in_production_without_a_secret_key():
    result = run_python(["manage.py", "check"], {"DEBUG": "false", "ALLOWED_HOSTS": "idees.example.com"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_reports_nothing_with_production_values():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_does_complain_about_a_development_setup():
    # The same check, on the embedded default, must fail: proof that it can.
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], {})
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on
