"""Every notification e-mail's subject reads as a sentence, in French and in English.

A headline may end with a colon where the e-mail's body goes on with a quote (the post a
moderator decided on, the ideas of a reminder); the subject must not: no subject ends
with a colon or a space, whatever the kind, the variant or the language.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifications.emails import render_digest, render_notification
from notifications.models import Kind

BASE = {
    "actor": "Camille",
    "title": "Du Wi-Fi stable dans tous les trains",
    "excerpt": "Nous équipons toutes les rames d’ici l’été.",
    "status_fr": "Prévue",
    "status_en": "Planned",
    "reason": "Le matériel est commandé.",
    "message": "Hors sujet.",
    "badge_slug": "first-idea",
    "original": "Le Wi-Fi à bord",
    "total": 3,
    "ideas": [{"title": "Des prises électriques", "votes": 12, "url": "/ideas/1-des-prises/"}],
}
# Kinds whose wording has variants: every variant is checked.
VARIANTS = {
    Kind.MODERATION: [{"outcome": outcome} for outcome in ("approve", "reject", "hide")],
    Kind.AWAITING: [{"total": 1}, {"total": 3}],
    Kind.RESPONSE_FLOW: [{"step": step} for step in ("submitted", "approved", "published")],
    Kind.SANCTION: [{"sanction": "ban"}, {"sanction": "suspension", "until": datetime(2026, 1, 9, 18, tzinfo=UTC)}],
    Kind.STATUS: [{}, {"reason": ""}],
}
CASES = [
    (
        kind,
        {
            **BASE,
            **{key: value.isoformat() if isinstance(value, datetime) else value for key, value in variant.items()},
        },
    )
    for kind in Kind
    for variant in VARIANTS.get(kind, [{}])
]


def ends_cleanly(subject: str) -> bool:
    return subject == subject.strip() and not subject.rstrip("\u00a0\u202f").endswith(":")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(("kind", "data"), CASES, ids=[f"{kind.value}-{n}" for n, (kind, _data) in enumerate(CASES)])
def test_no_notification_subject_ends_with_a_colon_or_a_space(community_a, kind, data, language):
    rendered = render_notification(kind=kind, data=data, url="/ideas/1-x/", community=community_a, language=language)
    assert rendered.subject.startswith("[Brand A] ")
    assert len(rendered.subject) > len("[Brand A] ")
    assert ends_cleanly(rendered.subject), rendered.subject


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("frequency", ["daily", "weekly"])
def test_digest_subjects_end_cleanly(community_a, frequency, language):
    rendered = render_digest(items=[], frequency=frequency, community=community_a, language=language)
    assert ends_cleanly(rendered.subject), rendered.subject


@pytest.mark.parametrize(
    ("outcome", "language", "expected"),
    [
        ("approve", "fr", "[Brand A] Votre message est publié"),
        ("reject", "fr", "[Brand A] Votre message n’a pas été publié"),
        ("hide", "fr", "[Brand A] Votre message est masqué"),
        ("hide", "en", "[Brand A] Your post is hidden"),
    ],
)
def test_a_moderation_decision_says_what_happened_in_its_subject(community_a, outcome, language, expected):
    data = {**BASE, "outcome": outcome}
    rendered = render_notification(kind=Kind.MODERATION, data=data, url="", community=community_a, language=language)
    assert rendered.subject == expected
    headline = "Les modérateurs de Brand A" if language == "fr" else "The moderators of Brand A"
    assert headline in rendered.text  # the body keeps the full sentence, then the post


def test_a_reminder_subject_counts_the_ideas(community_a):
    data = {**BASE, "total": 3}
    rendered = render_notification(kind=Kind.AWAITING, data=data, url="", community=community_a, language="fr")
    assert rendered.subject == "[Brand A] 3 idées attendent une réponse"
