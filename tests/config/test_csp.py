"""The security headers (config/csp.py): a strict Content-Security-Policy on every kind of
page, Permissions-Policy and Cross-Origin-Opener-Policy; the brand's colours from
/theme.css (config/theme.py) since no inline style is allowed; and templates that need no
inline script, handler or style."""

from __future__ import annotations

import json
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.sites.models import Site
from django.test import Client
from django.urls import reverse

from community.models import ModerationItem, Status
from community.models.community import contrast_ratio as contrast
from config.theme import DARK_SURFACES, LIGHT_SURFACES, link_colours
from tests.factories import login_with_mfa, make_idea

# django-csp writes the directives in no fixed order: compared as a mapping.
STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "report-uri": ["/csp-report/"],
}
PERMISSIONS = (
    "accelerometer=(), autoplay=(), bluetooth=(), browsing-topics=(), camera=(), display-capture=(), "
    "geolocation=(), gyroscope=(), hid=(), idle-detection=(), magnetometer=(), microphone=(), midi=(), "
    "payment=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)
TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split("; "))}


def assert_strict(response) -> None:
    assert directives(response["Content-Security-Policy"]) == STRICT, response.request["PATH_INFO"]
    assert response["Permissions-Policy"] == PERMISSIONS
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def member_client(member_a) -> Client:
    client = Client()
    client.force_login(member_a)
    return client


@pytest.fixture
def moderator_client(moderator_a) -> Client:
    client = Client()
    login_with_mfa(client, moderator_a)
    return client


def test_it_sends_the_strict_policy_on_every_page_a_visitor_sees(client, idea_a, member_a):
    for url in (
        "/",
        "/ideas/",
        idea_a.get_absolute_url(),
        "/roadmap/",
        reverse("member", args=[member_a.username]),
        reverse("leaderboard"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_it_sends_the_strict_policy_on_a_members_pages(member_client, idea_a):
    for url in ("/", idea_a.get_absolute_url(), reverse("ideas:create"), reverse("profile_edit"), "/notifications/"):
        response = member_client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_it_sends_the_strict_policy_on_the_brand_console(brand_manager_a):
    client = Client()
    login_with_mfa(client, brand_manager_a)
    response = client.get(reverse("manage:console"))
    assert response.status_code == 200
    assert_strict(response)


def test_the_admin_needs_no_exception(moderator_client, superuser, community_a, member_a):
    idea = make_idea(community_a, member_a, title="Une idée qui attend un modérateur")
    item = ModerationItem.objects.get(idea=idea)
    for url in (
        reverse("admin:index"),
        reverse("admin:community_moderationitem_changelist"),
        reverse("admin:community_moderationitem_change", args=[item.pk]),
        reverse("admin:ideas_idea_changelist"),
    ):
        response = moderator_client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)
    operator = Client()
    login_with_mfa(operator, superuser)
    for url in (reverse("admin:community_community_change", args=[community_a.pk]), reverse("admin:login")):
        assert_strict(operator.get(url))


def test_the_not_found_page_has_the_policy_too(client, community_a):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert_strict(response)


def test_a_page_served_from_the_page_cache_keeps_the_headers(client, idea_a, django_assert_num_queries):
    client.get("/ideas/")  # rendered and stored
    with django_assert_num_queries(0):
        cached = client.get("/ideas/")
    assert cached.status_code == 200
    assert_strict(cached)


def test_public_pages_allow_nothing_inline_nor_eval(client, community_a):
    policy = directives(client.get("/")["Content-Security-Policy"])
    for name in ("script-src", "style-src", "default-src"):
        assert policy[name] == ["'self'"], name
    assert not {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"} & {v for vs in policy.values() for v in vs}


def test_a_social_sign_in_page_may_send_its_form_on_to_its_provider(client, community_a):
    app = SocialApp.objects.create(provider="google", name="Google", client_id="id", secret="secret")
    app.sites.add(Site.objects.get_current())
    oidc = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="linkedin",
        name="LinkedIn",
        client_id="id",
        secret="secret",
        settings={"server_url": "https://www.linkedin.com/oauth"},
    )
    oidc.sites.add(Site.objects.get_current())
    google = client.get("/accounts/google/login/")
    assert directives(google["Content-Security-Policy"])["form-action"] == ["'self'", "https://accounts.google.com"]
    linkedin = client.get("/accounts/oidc/linkedin/login/")
    assert directives(linkedin["Content-Security-Policy"])["form-action"] == ["'self'", "https://www.linkedin.com"]
    # Only there: the sign-in page itself links to those pages and sends forms to itself.
    assert_strict(client.get(reverse("account_login")))


def test_production_upgrades_insecure_requests(monkeypatch):
    import importlib

    import config.settings as production

    monkeypatch.setenv("DEBUG", "false")
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    try:
        assert importlib.reload(production).CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] is True
    finally:
        monkeypatch.undo()
        importlib.reload(production)
    assert production.CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] is False  # DEBUG here


# --- /theme.css: the colours from the database ------------------------------------------


def theme_of(client, page: str = "/") -> tuple[str, str]:
    url = re.search(r'<link rel="stylesheet" href="(/theme\.css\?v=[0-9a-f]+)">', client.get(page).content.decode())
    assert url, "no theme stylesheet on the page"
    return url[1], client.get(url[1]).content.decode()


def test_the_theme_carries_the_brand_and_status_colours(client, community_a, idea_a):
    community_a.primary_color, community_a.accent_color = "#123456", "#fedcba"
    community_a.save()
    _, css = theme_of(client)
    assert ":root { --brand-primary: #123456; --brand-on-primary: #ffffff;" in css
    assert "--brand-accent: #fedcba; --brand-on-accent: #000000;" in css
    # Links in the brand's colour, readable on both themes: #123456 reads on white as it is.
    light, dark = re.search(r"--brand-link: (#[0-9a-f]{6}); --brand-link-dark: (#[0-9a-f]{6});", css).groups()
    assert light == "#123456"
    assert contrast(dark, "#16191e") >= 4.5 and dark != "#123456"
    status = idea_a.status
    assert f".badge--status-{status.pk} {{ --badge-bg: {status.color}; --badge-fg: {status.text_color}; }}" in css
    assert f'class="badge badge--status-{status.pk}"' in client.get(idea_a.get_absolute_url()).content.decode()


@pytest.mark.parametrize("primary", ["#f2a900", "#ffff00", "#0b3d6e", "#000000", "#e11d48", "#22c55e"])
def test_link_colours_keep_the_brand_hue_and_read_on_every_surface_of_both_themes(primary):
    light, dark = link_colours(primary)
    assert all(contrast(light, surface) >= 4.5 for surface in LIGHT_SURFACES), light
    assert all(contrast(dark, surface) >= 4.5 for surface in DARK_SURFACES), dark
    if contrast(primary, "#ffffff") >= 4.5 and contrast(primary, "#eef0f3") >= 4.5:
        assert light == primary  # a brand colour that reads is not changed


def test_a_new_colour_gets_a_new_address_and_the_old_one_is_not_kept(
    client, community_a, django_capture_on_commit_callbacks
):
    from community.cache import community_cache_clear

    url, _ = theme_of(client)
    kept = client.get(url)
    assert kept["Content-Type"] == "text/css; charset=utf-8"
    assert kept["Cache-Control"] == "public, max-age=31536000, immutable"
    Status.objects.filter(community=community_a).update(color="#abcdef")
    with django_capture_on_commit_callbacks(execute=True):
        community_cache_clear()  # what the admin's save does
    new_url, css = theme_of(client)
    assert new_url != url and "--badge-bg: #abcdef" in css
    assert client.get(url)["Cache-Control"] == "no-cache"  # an old address gets the new colours, unkept


def test_a_colour_that_is_not_hex_never_reaches_the_stylesheet(client, community_a):
    type(community_a).objects.filter(pk=community_a.pk).update(primary_color="#1 2 3 ")  # not through a form
    _, css = theme_of(client)
    assert "#1 2 3" not in css and "--brand-primary: #6b7280;" in css


def test_avatars_take_their_palette_and_size_without_inline_style(client, community_a, member_a):
    from accounts.profiles import AVATAR_COLOURS, colour_of

    page = client.get(reverse("member", args=[member_a.username])).content.decode()
    index = AVATAR_COLOURS.index(colour_of(member_a.username))
    assert f'class="avatar avatar--initials" data-size="96" data-colour="{index}"' in page
    _, css = theme_of(client)
    assert f'.avatar--initials[data-colour="{index}"] {{ background: {AVATAR_COLOURS[index]}; }}' in css


# --- /csp-report/ ------------------------------------------------------------------------


def test_it_logs_a_violation_report_without_a_csrf_token(community_a, caplog):
    report = {
        "csp-report": {"document-uri": "https://x.test/", "violated-directive": "script-src", "blocked-uri": "inline"}
    }
    with caplog.at_level(logging.WARNING, logger="config.views"):
        response = Client(enforce_csrf_checks=True).post(
            "/csp-report/", json.dumps(report), content_type="application/csp-report"
        )
    assert response.status_code == 204
    assert "CSP violation: script-src blocked inline on https://x.test/" in caplog.text


def test_it_ignores_oversized_or_malformed_reports(client, community_a, caplog):
    with caplog.at_level(logging.WARNING, logger="config.views"):
        assert client.post("/csp-report/", "x" * 9000, content_type="application/csp-report").status_code == 204
        assert client.post("/csp-report/", "{not json", content_type="application/csp-report").status_code == 204
        assert client.get("/csp-report/").status_code == 405
    assert "x" * 100 not in caplog.text


# --- Templates: nothing inline ------------------------------------------------------------


class InlineFinder(HTMLParser):
    """Collects what the policy would block: inline <script> code, <style> elements, style
    and on* attributes, javascript: addresses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"handler {name}= on <{tag}>")
            if name == "style":
                self.found.append(f"style attribute on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: in <{tag} {name}>")
        if tag == "style":
            self.found.append("<style> element")
            self._in_style = True
        if tag == "script":
            self._in_script = "src" not in names and values.get("type") != "application/json"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"inline script: {data.strip()[:40]!r}")


def inline_code(source: str) -> list[str]:
    # Template tags and comments are not HTML; what they print is checked on the pages.
    source = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", "", source, flags=re.DOTALL)
    source = re.sub(r"{%.*?%}|{{.*?}}", "x", source, flags=re.DOTALL)
    finder = InlineFinder()
    finder.feed(source)
    finder.close()
    return finder.found


@pytest.mark.parametrize(
    ("snippet", "found"),
    [
        ("<script>alert(1)</script>", True),
        ('<script type="module">import x from "/y.js";</script>', True),
        ('<button onclick="go()">', True),
        ('<div ONMOUSEOVER="go()">', True),
        ('<p style="color: red">', True),
        ("<style>p { color: red }</style>", True),
        ('<a href=" javascript:go()">', True),
        ("<script src=\"{% static 'js/site.js' %}\" defer></script>", False),
        ('{{ data|json_script:"idea-data" }}<script type="application/json">{"a": 1}</script>', False),
        ('<p data-style="x" class="one">{% if a %}on{% endif %}</p>', False),
    ],
)
def test_the_template_scan_would_catch_inline_code(snippet, found):
    assert bool(inline_code(snippet)) is found


def test_no_served_template_has_inline_script_handler_or_style():
    problems = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).parts[0] == "emails":  # mail, never served as a page
            continue
        found = inline_code(path.read_text())
        if found:
            problems[str(path.relative_to(TEMPLATES))] = found
    assert problems == {}
