"""French is complete: every message of the French catalogue is translated, none fuzzy."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[1] / "locale"


@pytest.mark.smoke
@pytest.mark.parametrize("domain", ["django"])
def test_every_french_message_is_translated(domain):
    catalogue = polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / f"{domain}.po"))
    assert len(catalogue) > 50
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.smoke
def test_english_has_a_catalogue_too():
    catalogue = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    assert {entry.msgid for entry in catalogue} >= {"Sign up", "Skip to content"}
