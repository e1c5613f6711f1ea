"""request.community comes from the host; unknown hosts get the default community."""

from __future__ import annotations

import re

import pytest

from community.services import community_create
from tests.factories import login_with_mfa


def test_a_known_host_serves_its_own_community(client, community_a, community_b):
    response = client.get("/", HTTP_HOST="ideas.brand-b.test")
    assert response.status_code == 200
    assert response.wsgi_request.community == community_b
    assert b"Brand B" in response.content


def test_the_host_is_matched_without_port_and_case(client, community_a, community_b):
    response = client.get("/", HTTP_HOST="IDEAS.Brand-B.test:8443")
    assert response.wsgi_request.community == community_b


def test_an_unknown_host_falls_back_to_the_default_community(client, community_a, community_b):
    response = client.get("/", HTTP_HOST="elsewhere.test")
    assert response.status_code == 200
    assert response.wsgi_request.community == community_a


def test_an_inactive_community_is_closed_on_its_host_but_not_replaced(client, community_a, community_b):
    community_b.is_active = False
    community_b.save()
    response = client.get("/", HTTP_HOST="ideas.brand-b.test")
    assert response.status_code == 404
    assert "Brand B" in response.content.decode()
    assert "Brand A" not in response.content.decode()  # never another brand on this domain


def test_an_inactive_community_keeps_healthz_and_admin_reachable(client, community_a, community_b):
    community_b.is_active = False
    community_b.save()
    assert client.get("/healthz", HTTP_HOST="ideas.brand-b.test").status_code == 200
    # /admin/login/ hands over to the site's sign-in, open there too.
    assert client.get("/admin/login/", HTTP_HOST="ideas.brand-b.test", follow=True).status_code == 200


def test_the_page_wears_the_community_brand(client, community_a):
    community_a.primary_color = "#123456"
    community_a.accent_color = "#fedcba"
    community_a.tagline = "Nos voyageurs ont des idées"
    community_a.save()
    content = client.get("/", HTTP_HOST="ideas.brand-a.test").content.decode()
    assert "Nos voyageurs ont des idées" in content
    # The colours are a stylesheet of the brand's own (config/theme.py): no inline style.
    theme_url = re.search(r'href="(/theme\.css\?v=\w+)"', content)[1]
    css = client.get(theme_url, HTTP_HOST="ideas.brand-a.test").content.decode()
    assert "--brand-primary: #123456" in css
    assert "--brand-accent: #fedcba" in css
    assert "--brand-on-primary: #ffffff" in css  # white text on a dark primary
    assert "--brand-on-accent: #000000" in css  # black text on a light accent


def test_a_new_domain_is_served_at_once_despite_the_cache(client, community_a, django_capture_on_commit_callbacks):
    # The lookup for this host is cached as "default community"...
    assert client.get("/", HTTP_HOST="new-brand.test").wsgi_request.community == community_a
    # ...until a community claims it through the service, which invalidates the cache on commit.
    with django_capture_on_commit_callbacks(execute=True):
        created = community_create(name="New brand", slug="new-brand", domain="new-brand.test")
    assert client.get("/", HTTP_HOST="new-brand.test").wsgi_request.community == created


@pytest.mark.smoke
def test_without_any_community_the_home_page_explains_what_to_do(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.community is None
    assert "seed_demo" in response.content.decode()


def test_a_trailing_dot_host_is_the_same_community(client, community_a, community_b):
    community_b.is_active = False
    community_b.save()
    response = client.get("/", HTTP_HOST="ideas.brand-b.test.")
    assert response.status_code == 404
    assert "Brand A" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_admin_edit_is_served_at_once_despite_the_cache(client):
    from django.urls import reverse

    from tests.community.test_admin_scoping import as_post_data
    from tests.factories import CommunityFactory, UserFactory

    default = CommunityFactory(name="Default", slug="default", domain=None, is_default=True)
    brand = CommunityFactory(name="Brand B", slug="brand-b", domain="ideas.brand-b.test")
    assert client.get("/", HTTP_HOST="ideas.brand-b.test").wsgi_request.community == brand  # now cached
    login_with_mfa(client, UserFactory(username="operator", is_staff=True, is_superuser=True))
    url = reverse("admin:community_community_change", args=[brand.pk])
    response = client.post(url, as_post_data(brand, domain="idees.brand-b.test"))
    assert response.status_code == 302
    assert client.get("/", HTTP_HOST="ideas.brand-b.test").wsgi_request.community == default
    assert client.get("/", HTTP_HOST="idees.brand-b.test").wsgi_request.community == brand


def test_a_domain_differing_only_in_case_is_refused_with_a_message(client, superuser, community_a, community_b):
    from django.urls import reverse

    from tests.community.test_admin_scoping import as_post_data

    login_with_mfa(client, superuser)
    url = reverse("admin:community_community_change", args=[community_b.pk])
    response = client.post(url, as_post_data(community_b, domain="IDEAS.BRAND-A.TEST"))
    assert response.status_code == 200
    assert "domain" in response.context["adminform"].form.errors
