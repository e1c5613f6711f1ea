"""What an idea is about, as terms that compare across wording, spelling and language.

`terms(text)` turns a title or a description into the terms duplicate detection compares:
lower case without accents; "Wi-Fi", "wifi" and "wi fi" as one word; the words that say
nothing about what is asked ("les", "plus", "il faudrait", "please add") left out; the others
stemmed in the text's language (French or English); and the words and phrases of the
thesaurus replaced by their concept, written `~concept`, the same for "l'appli plante",
"the app keeps crashing" and "application instable".

The thesaurus is `ideas/data/thesaurus.txt` (the vocabulary of customer feedback, in both
languages) plus the community's own lines (`Synonym`, edited in /admin/). The same function
makes the terms stored with each idea (`Idea.match_title`, `Idea.match_body`) and those of
what a member types, on PostgreSQL and SQLite alike: no database dictionary to install.

`score()` weighs the terms two titles share by their rarity in the community, so that
sharing "train" in a railway's community counts for little and sharing "poussette" for much.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import snowballstemmer

DATA = Path(__file__).parent / "data"
CONCEPT = "~"
# A word of letters and digits, with its inner hyphens ("wi-fi", "porte-bagages").
TOKEN = re.compile(r"\w+(?:[-‐‑]\w+)*", re.UNICODE)
APOSTROPHE = re.compile(r"['’ʼ`]")
HYPHEN = re.compile(r"[-‐‑]")
LONGEST_PHRASE = 4
BODY_TERMS = 60  # the description's first distinct terms: its first lines say what it asks

# A few function words tell French from English; a tie keeps the community's language.
FRENCH_MARKS = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "un",
        "une",
        "et",
        "pour",
        "dans",
        "sur",
        "avec",
        "au",
        "aux",
        "est",
        "pas",
        "que",
        "qui",
        "plus",
        "sans",
        "mon",
        "ma",
        "mes",
        "nos",
        "vos",
        "ce",
        "cette",
        "il",
        "faut",
        "quand",
        "trop",
        "tres",
    ]
)
ENGLISH_MARKS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "for",
        "in",
        "on",
        "with",
        "to",
        "of",
        "is",
        "not",
        "my",
        "more",
        "without",
        "at",
        "from",
        "please",
        "our",
        "your",
        "it",
        "when",
        "too",
        "very",
        "should",
        "can",
        "keeps",
    ]
)


def fold(text: str) -> str:
    """Lower case without accents ("Réservation" → "reservation")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _stemmer(language: str):
    return snowballstemmer.stemmer({"fr": "french", "en": "english"}[language])


@lru_cache(maxsize=50_000)
def _stem(word: str, language: str) -> str:
    """The word's stem in `language`, folded, a final s or x dropped (so that "vélos" and
    "velos" both give "velo": the French stemmer keeps the s of a word without accent)."""
    stem = fold(_stemmer(language).stemWord(word))
    if len(stem) > 3 and stem[-1] in "sx":
        stem = stem[:-1]
    return stem


@lru_cache(maxsize=50_000)
def _keys(word: str) -> tuple[str, str, str]:
    """The forms under which the thesaurus may know a word: as written (folded), its French
    stem, its English stem."""
    return (fold(word), _stem(word, "fr"), _stem(word, "en"))


@cache
def stop_words() -> frozenset[str]:
    words = set()
    for line in (DATA / "stopwords.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(fold(word) for word in line.split())
    return frozenset(words)


def _tokens(text: str, *, parts: bool = True) -> list[str]:
    """The words of `text`, lower case, accents kept (the stemmers use them), grammar words
    left out. A hyphenated word comes joined ("Wi-Fi" → "wifi"), then (`parts`) in its
    parts, so that "multi-stop" meets both "multistop" and "multi stop"."""
    stop = stop_words()
    words = []
    for match in TOKEN.finditer(APOSTROPHE.sub(" ", text.casefold())):
        pieces = HYPHEN.split(match.group())
        joined = "".join(pieces)
        for word in [joined, *pieces] if parts and len(pieces) > 1 else [joined]:
            if fold(word) not in stop:
                words.append(word)
    return words


def language_of(text: str, default: str = "fr") -> str:
    words = [fold(word) for word in TOKEN.findall(APOSTROPHE.sub(" ", text.casefold()))]
    french = sum(word in FRENCH_MARKS for word in words)
    english = sum(word in ENGLISH_MARKS for word in words)
    if french == english:
        return default if default in ("fr", "en") else "fr"
    return "fr" if french > english else "en"


@dataclass
class Thesaurus:
    """Words and phrases → concept. A word is looked up as written, then by its stem in the
    text's language, then in the other language (so that the French "élèves" is a student
    before the English "elevator" — both stem to "elev"). A phrase is a tuple of its words'
    keys, found by its first word."""

    written: dict[str, str] = field(default_factory=dict)
    stems: dict[str, dict[str, str]] = field(default_factory=lambda: {"fr": {}, "en": {}})
    phrases: dict[str, list[tuple[tuple[frozenset[str], ...], str]]] = field(default_factory=dict)

    def add(self, concept: str, form: str) -> None:
        words = _tokens(form, parts=False)
        if not words or (len(words) == 1 and len(TOKEN.findall(form)) > 1):
            # "mise à jour" without its grammar words would be "jour": a phrase only.
            return
        if len(words) == 1:
            written, french, english = _keys(words[0])
            self.written.setdefault(written, concept)
            self.stems["fr"].setdefault(french, concept)
            self.stems["en"].setdefault(english, concept)
            return
        keys = tuple(frozenset(_keys(word)) for word in words[:LONGEST_PHRASE])
        for key in keys[0]:
            self.phrases.setdefault(key, []).append((keys, concept))

    def add_line(self, concept: str, forms: Iterable[str]) -> None:
        for form in forms:
            self.add(concept, form)
        # Longest phrases first: "carte de crédit" before "carte".
        for entries in self.phrases.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def word(self, word: str, language: str) -> str | None:
        written, french, english = _keys(word)
        other = "en" if language == "fr" else "fr"
        stems = {"fr": french, "en": english}
        return (
            self.written.get(written)
            or self.stems[language].get(stems[language])
            or self.stems[other].get(stems[other])
        )

    def concept_at(self, words: Sequence[str], start: int, language: str = "fr") -> tuple[str, int] | None:
        """The concept said by the words from `start`, and how many words say it."""
        first = set(_keys(words[start]))
        seen = set()
        for key in first:
            for keys, concept in self.phrases.get(key, ()):
                if id(keys) in seen:
                    continue
                seen.add(id(keys))
                end = start + len(keys)
                if end <= len(words) and all(keys[i] & set(_keys(words[start + i])) for i in range(1, len(keys))):
                    return concept, len(keys)
        concept = self.word(words[start], language)
        if concept:
            return concept, 1
        # Two words the thesaurus knows as one ("wi fi", "e billet").
        if start + 1 < len(words):
            concept = self.word(words[start] + words[start + 1], language)
            if concept:
                return concept, 2
        return None


def parse_lines(text: str) -> list[tuple[str, list[str]]]:
    """`concept = form, form, …` lines (or just `form, form, …`, the first form naming the
    concept), comments (#) and blank lines skipped."""
    lines = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        name, _, forms = line.partition("=") if "=" in line else ("", "", line)
        forms_list = [form.strip() for form in forms.split(",") if form.strip()]
        if forms_list:
            lines.append((fold(name.strip()) or fold(forms_list[0]), forms_list))
    return lines


@cache
def base_thesaurus() -> Thesaurus:
    thesaurus = Thesaurus()
    for concept, forms in parse_lines((DATA / "thesaurus.txt").read_text(encoding="utf-8")):
        thesaurus.add_line(concept, forms)
    return thesaurus


@lru_cache(maxsize=256)
def thesaurus_with(lines: tuple[tuple[str, tuple[str, ...]], ...]) -> Thesaurus:
    """The base thesaurus with a community's lines first (they win where both know a word)."""
    if not lines:
        return base_thesaurus()
    base = base_thesaurus()
    thesaurus = Thesaurus()
    for concept, forms in lines:
        thesaurus.add_line(concept, forms)
    for key, concept in base.written.items():
        thesaurus.written.setdefault(key, concept)
    for language, stems in base.stems.items():
        for key, concept in stems.items():
            thesaurus.stems[language].setdefault(key, concept)
    for key, entries in base.phrases.items():
        thesaurus.phrases.setdefault(key, []).extend(entries)
        thesaurus.phrases[key].sort(key=lambda entry: -len(entry[0]))
    return thesaurus


def terms(
    text: str, *, thesaurus: Thesaurus | None = None, language: str = "fr", limit: int | None = None
) -> list[str]:
    """The distinct terms of `text`, in order: `~concept` for what the thesaurus knows, else
    the word's stem in the text's language."""
    thesaurus = thesaurus or base_thesaurus()
    stemming = language_of(text, language)
    words = _tokens(text)
    found: dict[str, None] = {}
    position = 0
    while position < len(words) and (limit is None or len(found) < limit):
        hit = thesaurus.concept_at(words, position, stemming)
        if hit:
            concept, length = hit
            found[CONCEPT + concept] = None
            position += length
            continue
        word = words[position]
        position += 1
        if len(word) > 1 or word.isdigit():
            found[_stem(word, stemming)] = None
    return list(found)


def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams of a text: each word padded with two spaces before, one after."""
    grams = set()
    for word in re.findall(r"\w+", fold(text)):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def trigram_similarity(first: frozenset[str], second: frozenset[str]) -> float:
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def idf(document_frequency: int, documents: int) -> float:
    """How much sharing a term says: log of its rarity, never below a small floor."""
    return max(math.log((documents + 1) / (document_frequency + 0.5)), 0.1)


@dataclass(frozen=True)
class Weights:
    """How the parts of the score add up, and which scores are shown (`shown`). Measured on
    tests/data/similar_eval.json by `make eval-similar` (docs/ideas.md)."""

    body: float = 0.8  # a term found in the description only, against one in the title
    query_coverage: float = 0.8  # how much of what was typed the idea says
    idea_coverage: float = 0.1  # how much of the idea's title was typed
    spelling: float = 0.1  # trigram similarity of the titles (typos)
    # Shown: a best score of at least `floor` that is either `sure` or ahead of the second by
    # `gap` (a duplicate stands out; a new idea is a little like many), then the others
    # within `band` of the best.
    floor: float = 0.15
    sure: float = 0.3
    gap: float = 0.08
    band: float = 0.06
    semantic_share: float = 0.0  # the share of the embeddings' cosine in the blended score
    # What two titles share must say something: the rarity of the shared terms adds up to at
    # least this ("train" alone, in a railway's community, does not make a duplicate).
    min_information: float = 0.0
    information_from: int = 50  # ideas in the community, below which it does not apply

    def shown(self, scores: Sequence[float]) -> float | None:
        """The lowest score shown among these, or None when none is."""
        ranked = sorted(scores, reverse=True)
        if not ranked or ranked[0] < self.floor:
            return None
        second = ranked[1] if len(ranked) > 1 else 0.0
        if ranked[0] < self.sure and ranked[0] - second < self.gap:
            return None
        return max(self.floor, ranked[0] - self.band)


WEIGHTS = Weights(min_information=1.5)
SEMANTIC_WEIGHTS = Weights(semantic_share=0.6, floor=0.2, sure=0.3, gap=0.05, band=0.06)


def score(
    query: Sequence[str],
    query_grams: frozenset[str],
    title_terms: Sequence[str],
    body_terms: Iterable[str],
    title: str,
    rarity: dict[str, float],
    weights: Weights = WEIGHTS,
) -> float:
    """How likely the idea (its terms and title) is a duplicate of what was typed, 0 to 1."""
    if not query:
        return 0.0
    in_title = set(title_terms)
    in_body = set(body_terms) - in_title
    total = sum(rarity.get(term, 1.0) for term in query)
    said = sum(
        rarity.get(term, 1.0) * (1.0 if term in in_title else weights.body if term in in_body else 0.0)
        for term in query
    )
    typed = set(query)
    idea_said = len(typed & in_title) / len(in_title) if in_title else 0.0
    spelling = trigram_similarity(query_grams, trigrams(title))
    return weights.query_coverage * said / total + weights.idea_coverage * idea_said + weights.spelling * spelling
