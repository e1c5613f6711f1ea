"""Full-text and trigram search on PostgreSQL, with a plain fallback elsewhere."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import DatabaseError, connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from taggit.models import TaggedItem

from community.cache import listing_cached
from community.models import Community
from ideas.models import Idea
from ideas.similarity import fold as fold_accents

WORD = re.compile(r"\w+", re.UNICODE)
# "Wi-Fi" and "wifi" are one word to a reader: search drops a hyphen between two letters,
# in what is searched (see `idea_search_vector`) and in what is typed.
HYPHEN_IN_WORD = re.compile(r"(?<=\w)[-‐‑](?=\w)")
SEARCH_CONFIGS = {"fr": "cluetrain_fr", "en": "cluetrain_en"}  # created by ideas/migrations/0002
# A broad term ("train") matches tens of thousands of ideas; ranking them all costs in
# proportion. Search ranks at most this many candidates — the most voted matches — and the
# list says "more than" beyond it.
SEARCH_CANDIDATES = 500
# How the candidates are found depends on how many ideas of the community match. A
# selective term (at most this many) takes its ids from the full-text index first, then
# ranks those ideas reading their stats rows by primary key: joining the matches against
# the community's listed stats rows scanned them all (11 of 17 ms for a term found in one
# idea in a hundred, at 100,000 ideas). A broad term keeps that plan: the community's most
# voted listed ideas, checked against the term one by one, meet 500 matches early.
SELECTIVE_MATCHES = 1000
# A guard for the database: a search that takes longer is cancelled and finds nothing.
SEARCH_TIMEOUT_MS = 2000

logger = logging.getLogger(__name__)
T = TypeVar("T")


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def search_config(community: Community) -> str:
    return SEARCH_CONFIGS.get(community.default_language, "cluetrain_fr")


class HyphenatedJoined(Func):
    """The words of a text written with a hyphen, without it ("Du Wi-Fi à bord" → "WiFi"), as
    extra words for the search vector: the parser keeps "wi-fi", "wi" and "fi", never "wifi"."""

    output_field = TextField()
    template = (
        "array_to_string(ARRAY(SELECT replace(m[1], '-', '') "
        "FROM regexp_matches(%(expressions)s, '(\\w+(?:-\\w+)+)', 'g') AS m), ' ')"
    )


def _tag_names() -> Subquery:
    """The idea's tags as one text, as a correlated subquery (one row whatever the count)."""
    names = (
        TaggedItem.objects.filter(object_id=OuterRef("pk"), content_type__app_label="ideas", content_type__model="idea")
        .order_by()
        .values("object_id")
        .annotate(names=StringAgg("tag__name", " "))
        .values("names")
    )
    return Subquery(names, output_field=TextField())


def idea_search_vector(community: Community) -> SearchVector:
    """The title and the tags weigh more than the body; hyphenated words are also indexed
    joined. An expression over the idea's row, for one row or a community's at once."""
    config = search_config(community)
    tags = _tag_names()
    return (
        SearchVector("title", weight="A", config=config)
        + SearchVector("body", weight="B", config=config)
        + SearchVector(tags, HyphenatedJoined(F("title")), HyphenatedJoined(tags), weight="A", config=config)
        + SearchVector(HyphenatedJoined(F("body")), weight="B", config=config)
    )


def typed_query(text: str) -> str:
    """What was typed, with the hyphens inside words dropped as in the search vector."""
    return HYPHEN_IN_WORD.sub("", text)


def fold(text: str | None) -> str | None:
    """Lower case, without accents, hyphens inside words dropped: how the SQLite fallback
    compares texts, so that "RESERVATION" finds "réservation" and "wifi" finds "Wi-Fi"."""
    if text is None:
        return None
    return typed_query(fold_accents(text))


class Folded(Func):
    """`fold` in SQL, on SQLite (registered on each connection by `sqlite_functions_register`)."""

    function = "cluetrain_fold"
    output_field = TextField()


def sqlite_functions_register(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: give each SQLite connection the functions search uses."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("cluetrain_fold", 1, fold, deterministic=True)


def words_of(text: str, *, minimum: int = 3) -> list[str]:
    return [word for word in WORD.findall(text.lower()) if len(word) >= minimum]


def _array_literal(values) -> str:
    # A PostgreSQL array as text: the driver would otherwise adapt the list element by
    # element again for each of the page's queries.
    return "{" + ",".join(map(str, values)) + "}"


class PkInArray(Func):
    """`pk = ANY(ids)` (`pk_in`; or another column's): one parameter however many ids. An
    `IN (%s, %s, …)` of 500 made the driver rewrite each query's placeholders one by one
    (a few ms per query)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, ids: str, column: str = "pk") -> None:
        self.ids = ids
        super().__init__(F(column))

    def as_sql(self, compiler, connection, **extra_context):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        return f"{pk_sql} = ANY(%s::bigint[])", (*pk_params, self.ids)


class KnownRank(Func):
    """The rank already computed for each of these ideas (`known_rank`), as a column read
    from a JSON object {id: rank}. Sorting a page of search results then reads no search
    vector and joins nothing; and each row's rank is found by a binary search of the
    object's keys: found by its position in an array of 500 ids, sorting 500 candidates
    made 250,000 comparisons (5 ms a page at 100,000 ideas)."""

    output_field = FloatField()

    def __init__(self, ranks: str) -> None:
        self.ranks = ranks
        super().__init__(F("pk"))

    def as_sql(self, compiler, connection, **extra_context):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        return f"(%s::jsonb ->> ({pk_sql})::text)::float8", (self.ranks, *pk_params)


# Text (an array literal, a JSON object) as the expressions' arguments: Django hashes those, and hashing a list or
# a dict of 500 items cost a few ms per page.
def pk_in(ids, *, column: str = "pk") -> PkInArray:
    return PkInArray(_array_literal(ids), column)


def known_rank(ranks: dict[int, float]) -> KnownRank:
    return KnownRank(json.dumps({str(pk): rank for pk, rank in ranks.items()}, allow_nan=False))


def filter_by_text(
    ideas: QuerySet, community: Community, text: str, *, within: QuerySet | None = None, shared: str = "", reader=None
) -> QuerySet:
    """Ideas matching every word of `text`, ranked when the database can rank.

    On PostgreSQL these are the SEARCH_CANDIDATES most voted matches, found and ranked in
    one guarded transaction (`_candidates`); the result is `within` (by default `ideas`)
    narrowed to their ids, with their rank as a value. Give `within` without the listing's
    filters (the candidates passed them already): filtering 500 ids on the community again
    made the planner scan the community's listed rows (15 to 25 ms per query at 100,000
    ideas).

    With `shared` (a name for the listing's filters and this text, the same for every
    reader), the candidates are kept for SEARCH_SHARED_SECONDS under the community's
    listing version, like a shared listing page (community.cache.listing_cached): an idea
    hidden, deleted or edited since re-keys them, its counters may be up to
    LISTING_COUNTS_SECONDS old, and `reader`, when they just acted, searches afresh.
    """
    if on_postgres():
        query = SearchQuery(typed_query(text), config=search_config(community), search_type="websearch")
        found = _shared_candidates(ideas, community, query, shared=shared, reader=reader)
        narrowed = (ideas if within is None else within).filter(PkInArray(found.ids))
        return narrowed.annotate(rank=KnownRank(found.ranks))
    folded = fold(text)
    words = words_of(folded, minimum=1) or [folded]
    ideas = ideas.alias(folded_title=Folded("title"), folded_body=Folded("body"))
    tagged = TaggedItem.objects.filter(
        object_id=OuterRef("pk"), content_type__app_label="ideas", content_type__model="idea"
    ).alias(folded_tag=Folded("tag__name"))
    condition = Q()
    title_hits = Value(0.0)
    for word in words:
        in_tags = Exists(tagged.filter(folded_tag__contains=word))
        condition &= Q(folded_title__contains=word) | Q(folded_body__contains=word) | in_tags
        title_hits = title_hits + Case(When(folded_title__contains=word, then=Value(1.0)), default=Value(0.0))
    # Without stemming, rank by how many of the words are in the title.
    return ideas.filter(condition).annotate(rank=title_hits)


class _Cancelled(Exception):
    """A search stopped by its timeout: it finds nothing, and that is never shared."""


class _Found(NamedTuple):
    """A search's candidates as its queries take them (`pk_in`, `known_rank`), written out
    once per search found or shared, not at each reading of a shared one (500 of them: about
    1 ms a page)."""

    ids: str
    ranks: str


_NOTHING = _Found("{}", "{}")


def _shared_candidates(ideas: QuerySet, community: Community, query: SearchQuery, *, shared: str, reader) -> _Found:
    def find() -> _Found:
        found = _guarded(lambda: _candidates(ideas, community, query))
        if found is None:
            raise _Cancelled
        ranks = dict(found)
        return _Found(pk_in(ranks).ids, known_rank(ranks).ranks)

    seconds = settings.SEARCH_SHARED_SECONDS
    try:
        if not shared or seconds <= 0:
            return find()
        # Not kept in each process's own copy as well: the texts people type are many, and
        # would push the community's rows and pages out of it.
        # A search stopped by its timeout finds nothing for those who waited for it, too:
        # each running it again would only load the busy database further.
        return listing_cached(
            community.pk,
            f"search-found:{shared}",
            find,
            reader=reader,
            timeout=seconds,
            local=False,
            if_failed=_NOTHING,
        )
    except _Cancelled:
        return _NOTHING


def _candidates(ideas: QuerySet, community: Community, query: SearchQuery) -> list[tuple[int, float]]:
    """The SEARCH_CANDIDATES most voted of `ideas` matching `query`, with their rank, by the
    plan that suits the term (see SELECTIVE_MATCHES). Both plans find the same rows in the
    same order. Runs inside `_guarded`'s transaction."""
    matching = ideas.filter(search_vector=query).order_by("-stats__votes", "-pk")
    # The rank is computed for the candidates only (the rows that pass the filter before
    # the LIMIT), in the query that finds them.
    ranked = matching.annotate(rank=SearchRank(F("search_vector"), query)).values_list("pk", "rank")
    # Every match of the community, from the full-text index alone (no order, no join).
    # The listing's filters are not applied here: what counts is how common the term is.
    # The community is checked on each match, not taken from its index: the planner ANDed
    # the matches with a bitmap of every idea of the community (5 of the probe's 6 ms at
    # 100,000 ideas), as it reads more with the community's size. The ranked query below
    # reads the term's matches in every community too.
    found = (
        Idea.objects.alias(in_community=F("community_id") + 0)
        .filter(in_community=community.pk, search_vector=query)
        .order_by()
        .values_list("pk", flat=True)
    )
    ids = list(found[: SELECTIVE_MATCHES + 1])
    if len(ids) > SELECTIVE_MATCHES:
        return list(ranked[:SEARCH_CANDIDATES])
    if not ids:
        return []
    return list(ranked.filter(pk_in(ids, column="stats__idea_id"))[:SEARCH_CANDIDATES])


# Within a search's transaction only. The statement timeout guards the database. Sequential
# scans are avoided: the planner takes a word common in another community's language for
# common in this one ("ticket": 11,000 French matches expected at 100,000 ideas, 1,666
# found), and would read the ideas table until it has the probe's 1,001 matches (40 ms, up
# to the whole table) rather than take them from the full-text index (6 ms). The broad
# plan walks an index of stats rows either way.
SEARCH_SETTINGS = "SELECT set_config('statement_timeout', %s, true), set_config('enable_seqscan', 'off', true)"


def _guarded(read: Callable[[], T]) -> T | None:
    """`read()` under SEARCH_SETTINGS (None when cancelled by the timeout), in a
    transaction, or a savepoint when the caller is in one, that is rolled back: a search
    writes nothing, and settings made local to a transaction must not outlive it (a
    released savepoint would leave them for the rest of the caller's transaction)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(SEARCH_SETTINGS, [str(SEARCH_TIMEOUT_MS)])
            found = read()
            transaction.set_rollback(True)
            return found
    except DatabaseError:
        logger.warning("Search cancelled after %s ms", SEARCH_TIMEOUT_MS, exc_info=True)
        return None
