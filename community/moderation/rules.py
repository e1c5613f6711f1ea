"""The automatic rule chain: each rule looks at one submission and may name a reason.

Rules are plain functions of the text and a few counts, so that each one is tested on
both sides without a worker. `evaluate` runs them all and returns the reason codes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from community.models import ModerationRule

# Reason codes, with what a moderator reads in the queue.
REASONS = {
    "banned_words": _("Banned words"),
    "links": _("Too many links"),
    "shouting": _("Written in capitals"),
    "duplicate": _("Same text posted again"),
    "new_member": _("A new member's first posts"),
    "rate": _("Posting too fast"),
    "spam": _("The spam checker says spam"),
    "spam_check_unavailable": _("The spam checker did not answer"),
    "flags": _("Flagged by members"),
    "after_decision": _("Edited after a moderator's decision"),
}

LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)  # one address, one match
WORD = re.compile(r"\w+", re.UNICODE)
SHOUTING_MIN_LETTERS = 20
SHOUTING_RATIO = 0.7
DUPLICATE_WINDOW = timedelta(days=7)


def fold(text: str) -> str:
    """Lower case without accents: "Arnaque À l'ÉTÉ" -> "arnaque a l'ete"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def has_banned_words(text: str, banned: list[str]) -> bool:
    """Whole words or phrases only: "con" does not trip on "confort"."""
    words = " ".join(WORD.findall(fold(text)))
    for entry in banned:
        phrase = " ".join(WORD.findall(fold(entry)))
        if phrase and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", words):
            return True
    return False


def has_too_many_links(text: str, limit: int) -> bool:
    return len(LINK.findall(text)) > limit


def is_shouting(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    if len(letters) < SHOUTING_MIN_LETTERS:
        return False
    return sum(char.isupper() for char in letters) / len(letters) >= SHOUTING_RATIO


def normalized_for_duplicates(text: str) -> str:
    return " ".join(WORD.findall(fold(text)))


def text_fingerprint(text: str) -> str:
    """The same for texts that differ only by case, accents, spacing or punctuation;
    empty for texts too short to call a repeat."""
    normalized = normalized_for_duplicates(text)
    if len(normalized) < 20:
        return ""
    return hashlib.sha1(normalized.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Submission:
    """What the rules need to know about one item."""

    text: str
    author_id: int | None
    community_id: int
    kind: str
    content_id: int
    # Counts the caller reads from the database (see services.submission_for).
    approved_before: int
    trusted: bool
    posts_last_hour: int
    same_text_elsewhere: bool


RuleCheck = Callable[[Submission, ModerationRule], bool]

RULES: list[tuple[str, RuleCheck]] = [
    ("banned_words", lambda s, rule: has_banned_words(s.text, rule.banned_list())),
    ("links", lambda s, rule: has_too_many_links(s.text, rule.max_links)),
    ("shouting", lambda s, rule: is_shouting(s.text)),
    ("duplicate", lambda s, rule: s.same_text_elsewhere),
    ("new_member", lambda s, rule: not s.trusted and s.approved_before < rule.new_member_hold_count),
    ("rate", lambda s, rule: s.posts_last_hour > rule.max_posts_per_hour),
]


def evaluate(submission: Submission, rule: ModerationRule) -> list[str]:
    """The reason codes of every local rule that trips (the spam checker runs apart)."""
    return [code for code, check in RULES if check(submission, rule)]
