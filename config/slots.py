"""Markers for the reader's own parts of a rendering shared by many readers.

A visitor's page, an idea card, a comment thread or a notification e-mail is rendered once
and read by many; the parts that differ per reader (the CSRF token, the page to come back
to, a recipient's name, address and unsubscribe link) are markers in the shared text,
filled for each reader. Whatever the content says must never be taken for a marker: an idea
linking to `https://attacker.example/?t=<marker>` would otherwise carry each visitor's CSRF
token to the attacker.

So every rendering draws its own markers, from 128 random bits (`Slots()`), keeps their
nonce beside the rendered text and fills with that nonce. Content written before the
rendering cannot contain a marker drawn after it. (A marker derived from SECRET_KEY would
serve every rendering of a deployment, but one that leaked once, in an unfilled page or a
log line, would stay forgeable until the key changed; these die with their rendering.)

Markers are letters and digits only, so HTML escaping, URL quoting and the 7/8-bit e-mail
encodings leave them intact. Filling is one pass: a value filled in is never searched for
markers again.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from functools import lru_cache


class Slots:
    """The markers of one rendering. `Slots()` draws them; `Slots(nonce)` finds them again
    in a rendering kept with its nonce."""

    def __init__(self, nonce: str | None = None) -> None:
        self.nonce = nonce or secrets.token_hex(16)
        if not (self.nonce.isascii() and self.nonce.isalnum()):
            raise ValueError("A slot nonce is letters and digits.")
        self.names: set[str] = set()  # those asked for: the markers this rendering can hold

    def __getitem__(self, name: str) -> str:
        """The marker that stands for `name` (letters and digits) in this rendering."""
        if not (name.isascii() and name.isalnum()):
            raise ValueError("A slot name is letters and digits.")
        self.names.add(name)
        return f"slot{self.nonce}{name}"


# A marker as `Slots` draws it: "slot", 32 hexadecimal digits (128 bits), a name.
_DRAWN = re.compile(r"slot[0-9a-f]{32}[A-Za-z0-9]+")
_NAME_AT = len("slot") + 32


@lru_cache(maxsize=256)
def _pattern(markers: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(re.escape(marker) for marker in markers))


@lru_cache(maxsize=256)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern:
    """The markers of any rendering for these names: compiled once for every rendering
    (each draws its nonce, so a pattern of whole markers would be compiled at each fill)."""
    return re.compile(r"slot[0-9a-f]{32}(?:" + "|".join(re.escape(name) for name in names) + ")")


def fill(content: str, values: Mapping[str, str | Callable[[], str]]) -> str:
    """`content` with each marker (a key of `values`) replaced by its value. A value that is
    a function is called for each occurrence: each gets its own (a form's idempotency key,
    accounts.submissions). Pages kept for many readers are `cut` once and filled by
    `fill_cut` instead."""
    if not values:
        return content
    markers = tuple(values)

    def value_of(match: re.Match) -> str:
        found = match.group()
        value = values.get(found)
        if value is None:  # another rendering's marker (or text shaped like one): left as it is
            return found
        return value() if callable(value) else value

    if all(_DRAWN.fullmatch(marker) for marker in markers):
        # The longest name first, should one begin another.
        names = tuple(sorted({marker[_NAME_AT:] for marker in markers}, key=len, reverse=True))
        return _names_pattern(names).sub(value_of, content)
    markers = tuple(sorted(markers, key=len, reverse=True))  # the longest first, should one begin another
    return _pattern(markers).sub(value_of, content)


def cut(content: bytes, slots: Slots) -> tuple[bytes | str, ...]:
    """`content` cut at the markers of `slots`' rendering (the names asked of it): text,
    name, text, name, ..., text. `fill_cut` fills it without searching the text again, so a
    page kept for many readers is searched once, when it is kept (searching a 200 KB idea
    page took 0.45 ms at each reading). Other renderings' markers stay in the text."""
    if not slots.names:
        return (content,)
    # The longest name first, should one begin another.
    names = sorted(slots.names, key=len, reverse=True)
    pattern = re.compile(b"slot%b(%b)" % (slots.nonce.encode(), b"|".join(re.escape(name.encode()) for name in names)))
    return tuple(piece.decode() if index % 2 else piece for index, piece in enumerate(pattern.split(content)))


def fill_cut(pieces: tuple[bytes | str, ...], nonce: str, values: Mapping[str, bytes | Callable[[], bytes]]) -> bytes:
    """The text `cut` gave, each name replaced by its value in `values` (a function is
    called at each place, as in `fill`); a name without a value is written back as it was."""
    filled = list(pieces)
    for index in range(1, len(filled), 2):
        value = values.get(filled[index])
        if value is None:
            filled[index] = f"slot{nonce}{filled[index]}".encode()
        else:
            filled[index] = value() if callable(value) else value
    return b"".join(filled)
