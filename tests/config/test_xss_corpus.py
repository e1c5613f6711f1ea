"""Stored XSS: every payload of tests/data/xss_payloads.txt through every field a person
types that others see, then every page that shows it, checked for anything live.

The corpus is one payload a line; `\\n`, `\\xNN` and `\\uNNNN` stand for the characters
they name. Each payload is posted once per field through the public surfaces (the views
and the admin forms, as the role that may use them), all payloads at once; then each page
is opened once and parsed (html.parser): an element, attribute or URL that can run
script, and that the same page does not show with harmless text, fails the test.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import Category, Membership, Role, Sanction, Status
from community.models.moderation import ItemState, ModerationItem
from community.moderation.services import rule_for
from ideas.models import Comment, Idea, ModerationState
from notifications.models import Notification
from tests.factories import UserFactory, login_with_mfa

HOST = "ideas.brand-a.test"
CORPUS = Path(__file__).resolve().parent.parent / "data" / "xss_payloads.txt"


def load_payloads() -> list[str]:
    escapes = re.compile(r"\\(n|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})")

    def decode(match: re.Match) -> str:
        code = match.group(1)
        return "\n" if code == "n" else chr(int(code[1:], 16))

    return [escapes.sub(decode, line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]


# --- The checker ---------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "codebase"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "portal"}
# Characters a browser drops or ignores inside a URL's scheme.
INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def _scheme_of(value: str) -> str:
    return INVISIBLE.sub("", value).lower()


class _Live(HTMLParser):
    """Collects (tag, what, value) for every element or attribute that can run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        self._element(tag, attrs)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self._element(tag, attrs)

    def _element(self, tag: str, attrs) -> None:
        attributes = {name.lower(): value or "" for name, value in attrs}
        if tag == "script":
            kind = attributes.get("type", "").strip().lower()
            src = attributes.get("src", "")
            if kind not in ("application/json", "application/ld+json") and not src.startswith("/static/"):
                self.findings.append((tag, "script", src or "(inline)"))
        if tag in FORBIDDEN_ELEMENTS:
            self.findings.append((tag, "element", ""))
        if tag == "meta" and "http-equiv" in attributes:
            self.findings.append((tag, "http-equiv", attributes["http-equiv"]))
        for name, value in attributes.items():
            if name.startswith("on") or name in ("style", "srcdoc"):
                self.findings.append((tag, name, value))
            elif name in URL_ATTRIBUTES or name.endswith(":href"):
                scheme = _scheme_of(value)
                if scheme.startswith(BAD_SCHEMES) and not (tag == "img" and scheme.startswith("data:image/")):
                    self.findings.append((tag, name, value[:120]))


def live_parts(html: str) -> list[tuple[str, str, str]]:
    parser = _Live()
    parser.feed(html)
    parser.close()
    return parser.findings


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag, attrs) -> None:  # attribute values show payloads too (value=, title=)
        self.parts.extend(value for _name, value in attrs if value)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def test_the_checker_flags_live_markup() -> None:
    unsafe = [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href=" JaVa&#x09;Script:alert(1)">x</a>',
        "<a href='\u200bjavascript:alert(1)'>x</a>",
        '<a href="vbscript:x">x</a>',
        '<form action="javascript:alert(1)"><button formaction="data:text/html,x">x</button></form>',
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        '<iframe srcdoc="&lt;script&gt;"></iframe>',
        "<object data=x></object>",
        "<embed src=x>",
        '<base href="https://evil.test/">',
        '<meta http-equiv="refresh" content="0;url=x">',
        "<style>@import 'x';</style>",
        '<p style="color:red">x</p>',
        "<details open ontoggle=alert(1)>",
    ]
    for snippet in unsafe:
        assert live_parts(f"<main>{snippet}</main>"), snippet
    safe = (
        '<script src="/static/app.js"></script><script type="application/json">{"a": "</b>"}</script>'
        '<a href="https://x.test/">javascript:alert(1)</a><p title="onerror=alert(1)">&lt;script&gt;</p>'
        '<img src="data:image/png;base64,AA" alt="">'
    )
    assert live_parts(safe) == []
    assert "<script>" in visible_text("<p>&lt;script&gt;</p>")


# --- The world ---------------------------------------------------------------------------------


def _fit(payload: str, limit: int, minimum: int = 1) -> str:
    text = payload[:limit]
    if len(" ".join(text.split())) < minimum:
        text = (text + " " + "x" * minimum)[:limit]
    return text


def _tags(payload: str) -> str:
    """The tags field: comma-separated, at most 5 of at most 50 characters."""
    pieces = [piece[:50] for piece in payload.split(",")][:5]
    return ",".join(pieces)


def _form_data(html: str, form_id: str) -> dict[str, str | list[str]]:
    """The fields of the admin form `form_id` as the browser would send them unchanged."""

    class Form(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.inside = False
            self.data: dict[str, list[str]] = {}
            self.select: str | None = None
            self.textarea: str | None = None

        def handle_starttag(self, tag, attrs) -> None:
            attrs = dict(attrs)
            if tag == "form":
                self.inside = attrs.get("id") == form_id
            if not self.inside:
                return
            name = attrs.get("name")
            if tag == "input" and name:
                kind = attrs.get("type", "text")
                if kind in ("submit", "button", "file", "image", "reset"):
                    return
                if kind in ("checkbox", "radio") and "checked" not in attrs:
                    return
                self.data.setdefault(name, []).append(attrs.get("value") or ("on" if kind == "checkbox" else ""))
            elif tag == "select" and name:
                self.select = name
                self.data.setdefault(name, [])
            elif tag == "option" and self.select and "selected" in attrs:
                self.data[self.select].append(attrs.get("value") or "")
            elif tag == "textarea" and name:
                self.textarea = name
                self.data[name] = [""]

        def handle_endtag(self, tag) -> None:
            if tag == "form":
                self.inside = False
            elif tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None

        def handle_data(self, data) -> None:
            if self.textarea:
                self.data[self.textarea][0] += data

    parser = Form()
    parser.feed(html)
    return {key: values[0] if len(values) == 1 else values for key, values in parser.data.items() if values}


def _admin_form(client: Client, url: str, form_id: str) -> dict:
    page = client.get(url, HTTP_HOST=HOST)
    assert page.status_code == 200, url
    return _form_data(page.content.decode(), form_id)


def _admin_post(client: Client, url: str, form: dict, **changes) -> None:
    """Send the admin form `form` (as read once by `_admin_form`) with `changes`."""
    response = client.post(url, {**form, **changes, "_save": "Save"}, HTTP_HOST=HOST)
    assert response.status_code == 302, (url, changes, _errors(response))


def _errors(response) -> str:
    text = response.content.decode(errors="replace")
    found = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', text, re.S)
    return " | ".join(found)[:800] or text[:300]


class Pages:
    """Every page opened, with what it is (its kind) for the harmless comparison."""

    def __init__(self) -> None:
        self.html: list[tuple[str, str, str]] = []  # (kind, url, html)
        self.feeds: list[tuple[str, str]] = []
        self.json: list[tuple[str, object]] = []
        self.server_errors: list[str] = []
        self.marks: list[tuple[str, float]] = [("start", time.monotonic())]

    def mark(self, phase: str) -> None:
        self.marks.append((phase, time.monotonic()))

    def get(self, client: Client, kind: str, url: str, *, statuses=(200,), data=None) -> str:
        response = client.get(url, data or {}, HTTP_HOST=HOST)
        if response.status_code == 500 and not client.raise_request_exception:
            self.server_errors.append(f"{kind} {url}")
            return ""
        assert response.status_code in statuses, (kind, url, response.status_code)
        content_type = response.get("Content-Type", "")
        text = response.content.decode()
        if "json" in content_type:
            assert response.get("X-Content-Type-Options") == "nosniff", url
            assert content_type.startswith("application/json"), url
            self.json.append((url, json.loads(text)))
        elif "xml" in content_type:
            self.feeds.append((url, text))
        else:
            self.html.append((kind, url, text))
        return text


def _approve_held(moderator_client: Client) -> None:
    for item in ModerationItem.objects.filter(state=ItemState.HELD).exclude(comment__body__startswith="Reject me"):
        url = reverse("admin:community_moderationitem_change", args=[item.pk])
        response = moderator_client.post(url, {"decision": "approve", "message": ""}, HTTP_HOST=HOST)
        assert response.status_code == 302, _errors(response)


def build_and_crawl(payloads, people, capture) -> tuple[Pages, dict]:
    """Post every payload through every field, open every page; returns the pages and counts."""
    community, member, moderator, manager, admin = (
        people["community"],
        people["member"],
        people["moderator"],
        people["manager"],
        people["admin"],
    )
    rule = rule_for(community)
    rule.banned_words = "rejectme"
    rule.max_posts_per_hour = 1000
    rule.max_links = 1000
    rule.new_member_hold_count = 0
    rule.use_spam_check = False
    rule.save()
    mail.outbox.clear()
    pages = Pages()
    stored = {"payloads": len(payloads)}
    prefix = people["prefix"]

    moderator_client, manager_client, admin_client = Client(), Client(), Client()
    login_with_mfa(moderator_client, moderator)
    login_with_mfa(manager_client, manager)
    login_with_mfa(admin_client, admin)
    member_client = Client()
    member_client.force_login(member)

    authors, clients, ideas = [], [], []
    for index in range(len(payloads)):
        author = UserFactory(username=f"{prefix}{index}")
        Membership.objects.create(community=community, user=author, role=Role.MEMBER, trusted_at=timezone.now())
        client = Client()
        client.force_login(author)
        authors.append(author)
        clients.append(client)

    # Profile: display name and bio; an idea: title, body, tags; a comment and a reply.
    with capture(execute=True):
        for author, client, payload in zip(authors, clients, payloads, strict=True):
            data = {"display_name": _fit(payload, 80), "bio": payload[:500], "language": "en"}
            response = client.post(reverse("profile_edit"), data, HTTP_HOST=HOST)
            refused = "\x00" in payload and response.status_code == 400
            assert response.status_code == 302 or refused, (payload, _errors(response))
            if refused:  # a NUL is refused by the form: it is stored without the field then
                client.post(reverse("profile_edit"), {"bio": "", "language": "en"}, HTTP_HOST=HOST)
            data = {"title": _fit(payload, 120, 5), "body": payload, "tags": _tags(payload)}
            response = client.post(reverse("ideas:create"), data, HTTP_HOST=HOST)
            if "\x00" in payload and response.status_code == 400:
                data = {"title": "Refused NUL payload", "body": "NUL refused", "tags": ""}
                response = client.post(reverse("ideas:create"), data, HTTP_HOST=HOST)
            assert response.status_code == 302, (payload, _errors(response))
            ideas.append(Idea.objects.filter(author=author).latest("pk"))
    pages.mark("profiles and ideas")
    with capture(execute=True):
        _approve_held(moderator_client)
    with capture(execute=True):
        for index, (idea, payload) in enumerate(zip(ideas, payloads, strict=True)):
            client, replier = clients[index], clients[(index + 1) % len(clients)]
            url = reverse("ideas:comment", args=[idea.pk])
            body = payload if "\x00" not in payload else "NUL refused"
            response = client.post(url, {"body": body}, HTTP_HOST=HOST)
            assert response.status_code == 302, (payload, _errors(response))
            comment = Comment.objects.filter(idea=idea, parent=None).latest("pk")
            response = replier.post(url, {"body": body, "parent": comment.pk}, HTTP_HOST=HOST)
            assert response.status_code == 302, (payload, _errors(response))
            # Held by the banned word, for the moderator to reject with the payload as reason.
            response = client.post(url, {"body": f"Reject me {index}: rejectme"}, HTTP_HOST=HOST)
            assert response.status_code == 302, _errors(response)
    with capture(execute=True):
        _approve_held(moderator_client)
    assert not Idea.objects.filter(community=community).exclude(moderation_state=ModerationState.APPROVED).exists()
    stored["ideas"] = len(ideas)
    stored["comments"] = Comment.objects.filter(idea__in=ideas, moderation_state=ModerationState.APPROVED).count()

    pages.mark("comments")
    # The moderator rejects with the payload as the message to the author.
    with capture(execute=True):
        to_reject = ModerationItem.objects.filter(state=ItemState.HELD, comment__body__startswith="Reject me")
        items = list(to_reject.order_by("comment__pk"))
        assert len(items) == len(payloads)
        for item, payload in zip(items, payloads, strict=True):
            message = payload[:2000] if "\x00" not in payload else "NUL refused"
            url = reverse("admin:community_moderationitem_change", args=[item.pk])
            response = moderator_client.post(url, {"decision": "reject", "message": message}, HTTP_HOST=HOST)
            assert response.status_code == 302, (payload, _errors(response))
    stored["rejections"] = len(items)

    pages.mark("rejections")
    # The brand manager's official response on each idea.
    with capture(execute=True):
        for idea, payload in zip(ideas, payloads, strict=True):
            body = payload if "\x00" not in payload else "NUL refused"
            url = reverse("ideas:respond", args=[idea.pk])
            response = manager_client.post(url, {"action": "publish", "body": body}, HTTP_HOST=HOST)
            assert response.status_code == 302, (payload, _errors(response))

    pages.mark("responses")
    # A member's security keys, named (renamed through allauth's own form) with each payload.
    from allauth.mfa.models import Authenticator

    member_keys = Client()
    member_keys.force_login(member)
    for index, payload in enumerate(payloads):
        key = Authenticator.objects.create(
            user=member, type=Authenticator.Type.WEBAUTHN, data={"name": f"key {index}", "credential": {}}
        )
        url = reverse("mfa_edit_webauthn", args=[key.pk])
        response = member_keys.post(url, {"name": payload}, HTTP_HOST=HOST)
        if response.status_code != 302:  # the form refused it (a NUL): stored as typed anyway, directly
            key.data["name"] = payload.replace("\x00", "")
            key.save()

    pages.mark("keys")
    # The community admin's vocabulary: a category and a status per payload.
    forms: dict = {}
    for index, payload in enumerate(payloads):
        name = _fit(payload, 60).replace("\x00", "")
        for model, slug in ((Category, f"{prefix}-c{index}"), (Status, f"{prefix}-s{index}")):
            url = reverse(f"admin:community_{model._meta.model_name}_add")
            if model not in forms:
                forms[model] = _admin_form(admin_client, url, f"{model._meta.model_name}_form")
            _admin_post(
                admin_client,
                url,
                forms[model],
                community=str(community.pk),
                slug=slug,
                name_fr=name,
                name_en=name,
            )
    stored["categories"] = Category.objects.filter(community=community, slug__startswith=f"{prefix}-").count()

    pages.mark("vocabulary")
    # Sanctions last (they stop their member from posting), the payload as the reason.
    with capture(execute=True):
        until = (timezone.localtime() + timedelta(days=3)).replace(microsecond=0)
        url = reverse("admin:community_sanction_add")
        form = _admin_form(moderator_client, url, "sanction_form")
        for author, payload in zip(authors, payloads, strict=True):
            data = dict(form)
            data.update(
                community=str(community.pk),
                user=author.username,
                kind="suspension",
                until_0=until.strftime("%Y-%m-%d"),
                until_1=until.strftime("%H:%M:%S"),
                reason=payload if "\x00" not in payload else "NUL refused",
                _save="Save",
            )
            response = moderator_client.post(url, data, HTTP_HOST=HOST)
            assert response.status_code == 302, (payload, _errors(response))
    stored["sanctions"] = Sanction.objects.filter(community=community, user__in=authors).count()

    # --- Open every page -------------------------------------------------------------------
    pages.mark("sanctions")
    visitor = Client()
    # A server error on any page is recorded (not raised) so that the crawl goes on; it fails
    # the test at the end. The feeds once answered 500 for control characters.
    feed_reader = Client(raise_request_exception=False)
    # Community texts: the welcome text holds every payload; name and tagline one at a time.
    community_url = reverse("admin:community_community_change", args=[community.pk])
    form = _admin_form(admin_client, community_url, "community_form")
    form["welcome_text"] = "\n".join(payloads).replace("\x00", "")
    for payload in payloads:
        clean = payload.replace("\x00", "")
        _admin_post(admin_client, community_url, form, name=_fit(clean, 80), tagline=clean[:160])
        pages.get(member_client, "home (member)", "/")
    pages.mark("community texts")
    start = time.monotonic()
    for kind, client in (("visitor", visitor), ("visitor, cached", visitor), ("member", member_client)):
        pages.get(client, f"home ({kind})", "/")
        pages.get(client, f"idea list ({kind})", reverse("ideas:list"))
        pages.get(client, f"idea list ({kind})", reverse("ideas:list"), data={"sort": "new"})
        pages.get(client, f"roadmap ({kind})", reverse("roadmap"))
        pages.get(client, f"leaderboard ({kind})", reverse("leaderboard"))
    for index, idea in enumerate(ideas):
        for kind, client in (("visitor", visitor), ("visitor, cached", visitor), ("member", member_client)):
            pages.get(client, f"idea page ({kind})", idea.get_absolute_url())
        pages.get(manager_client, "idea page (brand manager)", idea.get_absolute_url())
        pages.get(visitor, "member page", reverse("member", args=[authors[index].username]))
        for tag in idea.tags.all()[:1]:
            pages.get(visitor, "idea list by tag", reverse("ideas:list"), data={"tag": tag.name}, statuses=(200, 400))
    pages.get(feed_reader, "feed", reverse("ideas:feed"))
    for index in range(0, len(payloads), 16):
        pages.get(feed_reader, "feed (category)", reverse("ideas:feed_scoped", args=["category", f"{prefix}-c{index}"]))
        pages.get(feed_reader, "feed (status)", reverse("ideas:feed_scoped", args=["status", f"{prefix}-s{index}"]))
    pages.mark("idea and member pages")
    for payload in payloads:
        pages.get(visitor, "search", reverse("ideas:list"), data={"q": payload}, statuses=(200, 400))
        pages.get(member_client, "search (member)", reverse("ideas:list"), data={"q": payload}, statuses=(200, 400))
        pages.get(visitor, "similar", reverse("ideas:similar"), data={"title": payload[:200]}, statuses=(200, 400))
    pages.mark("search")
    for client in clients:
        pages.get(client, "notifications", reverse("notifications:inbox"))
        pages.get(client, "sanctioned member's idea form", reverse("ideas:create"), statuses=(403,))
    pages.get(member_client, "notifications (mentioned)", reverse("notifications:inbox"))
    pages.get(member_keys, "2fa", reverse("mfa_index"))
    pages.get(member_keys, "2fa security keys", reverse("mfa_list_webauthn"))
    pages.get(manager_client, "console", reverse("manage:console"))
    pages.mark("notifications")
    changelists = [
        "ideas_idea",
        "ideas_comment",
        "ideas_officialresponse",
        "community_moderationdecision",
        "community_sanction",
        "community_category",
        "community_status",
        "community_community",
        "community_membership",
        "notifications_notification",
    ]
    for name in changelists:
        for label, client in (("moderator", moderator_client), ("admin", admin_client)):
            url = reverse(f"admin:{name}_changelist")
            pages.get(client, f"changelist {name} ({label})", url, statuses=(200, 403))
    for state in ("all", "held"):
        pages.get(
            moderator_client,
            "moderation queue",
            reverse("admin:community_moderationitem_changelist"),
            data={"state": state},
        )
    items = ModerationItem.objects.filter(community=community, revision=1).order_by("pk")
    pages.mark("admin changelists")
    # An idea's item page (its text, the author's record with sanction reasons) for every
    # third payload: the same texts are on the idea pages, and each page costs 0.1 s.
    for item in list(items.filter(kind=ModerationItem.Kind.IDEA)[: len(payloads)])[::3]:
        url = reverse("admin:community_moderationitem_change", args=[item.pk])
        pages.get(moderator_client, "moderation item (idea)", url)
    for item in items.filter(state=ItemState.REJECTED):
        url = reverse("admin:community_moderationitem_change", args=[item.pk])
        pages.get(moderator_client, "moderation item (rejected)", url)
    pages.mark("moderation items")
    for obj in [*ideas[:5], *Comment.objects.filter(idea__in=ideas[:3])]:
        url = reverse(f"admin:ideas_{obj._meta.model_name}_change", args=[obj.pk])
        pages.get(moderator_client, f"change {obj._meta.model_name}", url)
    for sanction in Sanction.objects.filter(community=community)[:5]:
        pages.get(moderator_client, "change sanction", reverse("admin:community_sanction_change", args=[sanction.pk]))
    for model in (Category, Status):
        for row in model.objects.filter(community=community, slug__startswith=f"{prefix}-")[:3]:
            url = reverse(f"admin:community_{model._meta.model_name}_change", args=[row.pk])
            pages.get(admin_client, f"change {model._meta.model_name}", url)
    pages.get(admin_client, "change community", community_url)
    pages.mark("admin")
    stored["crawl seconds"] = round(time.monotonic() - start, 1)
    stored["notifications"] = Notification.objects.filter(recipient__in=[*authors, member]).count()
    stored["mails"] = len(mail.outbox)
    for message in mail.outbox:
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                pages.html.append(("e-mail", message.subject, content))
    return pages, stored


# --- The test ------------------------------------------------------------------------------------


@pytest.fixture
def people(community_a, member_a, moderator_a, brand_manager_a, admin_a, settings, monkeypatch):
    settings.MODERATION_SPAM_CHECK_URL = ""
    monkeypatch.setattr("ideas.feeds.FEED_SIZE", 1000)  # every idea in one feed
    return {
        "community": community_a,
        "member": member_a,
        "moderator": moderator_a,
        "manager": brand_manager_a,
        "admin": admin_a,
    }


def _feed_problems(url: str, text: str) -> list[str]:
    problems = []
    if re.search(r"<script", text, re.I):
        problems.append(f"{url}: unescaped <script in the feed")
    try:
        root = ET.fromstring(text.encode())
    except ET.ParseError as error:
        line, column = error.position
        near = text.splitlines()[line - 1][max(0, column - 80) : column + 80]
        return [*problems, f"{url}: not well-formed XML ({error}) near {near!r}"]
    for element in root.iter():
        if element.text and element.get("type") == "html":
            problems.extend(f"{url}: live HTML in <{element.tag}>: {part}" for part in live_parts(element.text))
    return problems


def test_no_payload_becomes_live(people, django_capture_on_commit_callbacks) -> None:
    payloads = load_payloads()
    assert len(payloads) >= 44

    # The pages with harmless text: what the site's own markup looks like.
    harmless = [f"Harmless text number {index}, plain words." for index in range(3)]
    baseline, _ = build_and_crawl(harmless, {**people, "prefix": "calm"}, django_capture_on_commit_callbacks)
    normal: dict[str, set] = {}
    for kind, _url, html in baseline.html:
        normal.setdefault(kind, set()).update(live_parts(html))
    everywhere = set().union(*normal.values())

    pages, stored = build_and_crawl(payloads, {**people, "prefix": "xss"}, django_capture_on_commit_callbacks)
    problems = []
    for kind, url, html in pages.html:
        allowed = normal.get(kind, everywhere)
        problems.extend(f"{kind} {url}: {part}" for part in live_parts(html) if part not in allowed)
    for url, text in pages.feeds:
        problems.extend(_feed_problems(url, text))
    # JSON (the similar ideas) is data, served as such and never sniffed as HTML.
    assert pages.json and all(isinstance(data, list | dict) for _url, data in pages.json)
    assert not problems, "\n".join(sorted(set(problems))[:60])

    # The payloads did reach the pages (as text): the test looked at the right places.
    every_text = " ".join(visible_text(html) for _kind, _url, html in pages.html)
    shown = [p for p in payloads if " ".join(p.replace("\x00", "").split())[:40] in every_text]
    assert len(shown) >= len(payloads) * 0.8, [p for p in payloads if p not in shown]
    assert stored["mails"] > 0 and stored["notifications"] > 0, stored
    assert stored["sanctions"] == len(payloads) and stored["categories"] == len(payloads), stored
    assert not pages.server_errors, "Server errors: " + "; ".join(sorted(set(pages.server_errors))[:10])
    steps = [f"{b[0]} {b[1] - a[1]:.1f}s" for a, b in itertools.pairwise(pages.marks)]
    print(f"\nXSS corpus: {', '.join(steps)}; {len(pages.server_errors)} server errors")
    print(f"\nXSS corpus: {stored}; {len(pages.html)} HTML pages, {len(pages.feeds)} feeds, {len(pages.json)} JSON")
