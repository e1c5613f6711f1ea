"""Visible focus, measured in the page by tests/browser/focus.js: the crawl checks every
focusable element of every page, the keyboard journey the element each key reaches."""

from __future__ import annotations

from pathlib import Path

SOURCE = (Path(__file__).parent / "focus.js").read_text()


def _ensure(page) -> None:
    # Through the DevTools protocol, as axe: the Content-Security-Policy refuses inline scripts.
    if not page.evaluate("() => Boolean(window.cluetrainFocus)"):
        page.evaluate(SOURCE)


def focus_problems(page) -> tuple[int, list[str]]:
    """(how many elements were checked, those that show no focus). Presses Tab first, as a
    keyboard user does, so that focus is keyboard focus."""
    _ensure(page)
    page.keyboard.press("Tab")
    result = page.evaluate("() => window.cluetrainFocus.every()")
    return result["checked"], result["missing"]


def press(page, key: str) -> dict | None:
    """Press `key`; returns the element it reached: element, text, ring (shows a focus
    indicator it did not have before), inView."""
    _ensure(page)
    page.evaluate("() => window.cluetrainFocus.remember()")
    page.keyboard.press(key)
    _ensure(page)  # a key that follows a link lands on a new page
    return page.evaluate("() => window.cluetrainFocus.active()")
