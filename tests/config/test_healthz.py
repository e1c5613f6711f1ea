from __future__ import annotations

import pytest

BROKEN_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_it_answers_200_when_database_cache_and_broker_answer(client, community_a):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "cache": True,
        "broker": True,
    }
    assert body["checks"]["broker"]["detail"] == "ok"  # a real broker, not the eager stand-in


def test_it_answers_503_naming_the_cache_when_the_cache_is_unreachable(client, community_a, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": BROKEN_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache"]
    assert body["checks"]["database"]["ok"] is True
    # A public endpoint: no host names or error text, only the verdict.
    assert body["checks"]["cache"]["detail"] == "unavailable"
    assert "127.0.0.1" not in response.content.decode()


def test_it_answers_503_naming_the_broker_when_the_broker_is_unreachable(client, community_a, settings):
    settings.CELERY_BROKER_URL = BROKEN_REDIS
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


@pytest.mark.smoke
def test_it_is_healthy_on_the_embedded_default_without_a_broker(client, db, settings):
    settings.CELERY_BROKER_URL = None
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["detail"].startswith("ok (no broker")


def test_it_answers_json_even_when_the_database_is_unreachable(client):
    # No `db` fixture: pytest-django refuses every database connection in this test, as a
    # dead server would. Nothing on the way to /healthz may need the database first (not
    # even the community lookup), so the answer is still the JSON 503.
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]


def test_it_is_never_cached(client, community_a):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.smoke
def test_robots_txt_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(client, community_a):
    response = client.get("/robots.txt", HTTP_HOST="ideas.brand-a.test")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Disallow: /admin/" in text and "Disallow: /accounts/" in text
    assert "Sitemap: http://ideas.brand-a.test/sitemap.xml" in text
