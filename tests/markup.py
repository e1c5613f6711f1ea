"""Markup checks for page tests, without a browser: what the W3C validator would refuse
most often in our templates (tests/browser/test_crawl.py runs the validator itself)."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

# Elements a <p> cannot hold (it ends before them, and its </p> is then stray).
NOT_IN_P = {
    "address",
    "article",
    "aside",
    "details",
    "div",
    "dl",
    "fieldset",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
}
# HTML's valid global date and time: at most three digits of a fraction of a second.
HTML_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$")


class Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.described_by: list[str] = []
        self.labels_for: dict[str, list[str]] = {}
        self.datetimes: list[str] = []
        self.in_p: list[str] = []
        self._p_depth = 0
        self._label: tuple[str, list[str]] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in NOT_IN_P and self._p_depth:
            self.in_p.append(tag)
        if tag == "p":
            self._p_depth += 1
        if attrs.get("id"):
            self.ids[attrs["id"]] += 1
        self.described_by.extend((attrs.get("aria-describedby") or "").split())
        if tag == "time" and "datetime" in attrs:
            self.datetimes.append(attrs["datetime"])
        if tag == "label" and attrs.get("for"):
            self._label = (attrs["for"], [])

    def handle_endtag(self, tag):
        if tag == "p" and self._p_depth:
            self._p_depth -= 1
        if tag == "label" and self._label:
            target, text = self._label
            self.labels_for.setdefault(target, []).append(" ".join("".join(text).split()))
            self._label = None

    def handle_data(self, data):
        if self._label:
            self._label[1].append(data)

    @property
    def duplicate_ids(self) -> list[str]:
        return [name for name, count in self.ids.items() if count > 1]

    @property
    def dangling_references(self) -> list[str]:
        return [name for name in self.described_by if name not in self.ids]

    @property
    def bad_datetimes(self) -> list[str]:
        return [value for value in self.datetimes if not HTML_DATETIME.match(value)]


def page_of(response) -> Page:
    assert response.status_code < 500
    return Page(response.content.decode())


def assert_sound(response) -> Page:
    """No duplicate id, no aria-describedby to a missing id, no block inside a <p>, no bad <time>."""
    page = page_of(response)
    assert page.duplicate_ids == []
    assert page.dangling_references == []
    assert page.in_p == []
    assert page.bad_datetimes == []
    return page
