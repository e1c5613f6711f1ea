"""Duplicate detection: the ideas a new title (and its description's first lines) repeats.

Each idea keeps its terms (`ideas.similarity.terms`, in `Idea.match_title` and
`Idea.match_body`), made with the base thesaurus and the community's synonyms. A typed title
is turned into terms the same way; the ideas that share its terms are scored by how much of
what was typed they say (each term weighed by its rarity in the community), how much of
their own title was typed, and how alike the two titles are spelt. Below `WEIGHTS.floor`
nothing is suggested: an empty box is better than one always full.

On PostgreSQL, a GIN index on the terms finds the ideas sharing the typed terms and SQL
pre-ranks them (`PRERANK` best), so that the cost does not grow with the community; on
SQLite (the embedded default, small communities) the community's ideas are scored in Python.
Where the semantic option is on (`ideas.embeddings`), the idea's embedding is blended in.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

from community.models import Community
from ideas import embeddings
from ideas.models import Idea, Synonym
from ideas.similarity import (
    SEMANTIC_WEIGHTS,
    WEIGHTS,
    Thesaurus,
    Weights,
    idf,
    parse_lines,
    score,
    terms,
    thesaurus_with,
    trigrams,
)
from outbox import services as outbox

logger = logging.getLogger(__name__)
T = TypeVar("T")

PRERANK = 40  # ideas re-scored in Python after SQL's first ranking
SEMANTIC_NEIGHBOURS = 40  # the closest ideas by embedding, added to the lexical candidates
SQLITE_SCAN = 5000  # the most recent ideas scored on SQLite
# A term shared by more than this share of the community's ideas does not find candidates on
# its own (it still counts in the score): "train" in a railway's community would bring
# thousands of rows to rank for a title that also says "poussette".
COMMON_SHARE = 0.1
COMMON_SCAN = 10_000  # the most voted ideas looked at first when only common terms are typed
RARITY_TTL = 3600  # document frequencies change slowly; an hour-old figure is close enough
# The synonyms are read from the cache, dropped when edited; a drop missed while Redis was
# down is made good by this expiry.
SYNONYMS_TTL = 600
QUERY_BODY_WEIGHT = 0.5  # a term of the typed description's first lines, against the title's
QUERY_BODY_CHARS = 300


def _cached(call: Callable[[], T], default: T) -> T:
    """A cache read or write that an outage of Redis turns into `default` (then the
    database answers): duplicate detection must keep working without its cache."""
    try:
        return call()
    except Exception:
        logger.warning("Cache unavailable for duplicate detection", exc_info=True)
        return default


@dataclass(frozen=True)
class Match:
    pk: int
    score: float


def _synonyms_key(community_id: int) -> str:
    return f"synonyms:{community_id}"


def community_lines(community_id: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The community's synonym groups as thesaurus lines (read once, then from the cache)."""
    lines = _cached(lambda: cache.get(_synonyms_key(community_id)), None)
    if lines is None:
        lines = []
        for pk, words in Synonym.objects.filter(community_id=community_id).values_list("pk", "words"):
            for _concept, forms in parse_lines(words.replace("\n", ",")):
                lines.append((f"c{community_id}_{pk}", tuple(forms)))
        lines = tuple(lines)
        _cached(lambda: cache.set(_synonyms_key(community_id), lines, SYNONYMS_TTL), None)
    return lines


def thesaurus_of(community_id: int) -> Thesaurus:
    return thesaurus_with(community_lines(community_id))


def idea_terms(community: Community, title: str, body: str) -> tuple[str, str]:
    """The two term columns of an idea (`Idea.match_title`, `Idea.match_body`)."""
    thesaurus = thesaurus_of(community.pk)
    language = community.default_language
    return (
        " ".join(terms(title, thesaurus=thesaurus, language=language)),
        " ".join(terms(body, thesaurus=thesaurus, language=language, limit=60)),
    )


def idea_terms_refresh(idea: Idea) -> None:
    """The idea's terms now; its embedding in the background where the option is on."""
    idea.match_title, idea.match_body = idea_terms(idea.community, idea.title, idea.body)
    Idea.objects.filter(pk=idea.pk).update(match_title=idea.match_title, match_body=idea.match_body)
    if embeddings.model_name():
        outbox.enqueue("ideas.embed_idea", idea.pk, key=f"embed-idea:{idea.pk}")


def idea_embed(idea_id: int) -> bool:
    """Store the idea's embedding for its current text (`ideas.embed_idea`); False when
    there is nothing to do (the idea is gone, or the option is off)."""
    if not embeddings.available():
        return False
    idea = Idea.objects.filter(pk=idea_id).only("pk", "title", "body", "community_id").first()
    if idea is None:
        return False
    vector = embeddings.embed([embeddings.text_of(idea.title, idea.body)])[0]
    # Written only if the text is still the one embedded (an edit meanwhile has its own run).
    written = Idea.objects.filter(pk=idea.pk, title=idea.title, body=idea.body).update(
        embedding=embeddings.to_bytes(vector), embedding_model=embeddings.current_model()
    )
    if written:
        embeddings.changed(idea.community_id)
    return bool(written)


def synonyms_changed(community_id: int) -> None:
    """After an edit of the community's synonyms: new terms for its ideas, in the background."""
    _cached(lambda: cache.delete(_synonyms_key(community_id)), None)
    outbox.enqueue("ideas.reindex_terms", community_id, key=f"reindex-terms:{community_id}")


def reindex(community_id: int, *, batch: int = 500) -> int:
    """Recompute every idea's terms in the community; returns how many changed."""
    community = Community.objects.get(pk=community_id)
    changed = 0
    last = 0
    while True:
        rows = list(
            Idea.objects.filter(community_id=community_id, pk__gt=last)
            .order_by("pk")
            .only("pk", "title", "body", "match_title", "match_body")[:batch]
        )
        if not rows:
            return changed
        stale = []
        for idea in rows:
            fresh = idea_terms(community, idea.title, idea.body)
            if fresh != (idea.match_title, idea.match_body):
                idea.match_title, idea.match_body = fresh
                stale.append(idea)
        Idea.objects.bulk_update(stale, ["match_title", "match_body"])
        changed += len(stale)
        last = rows[-1].pk


def _query_terms(community: Community, title: str, body: str) -> dict[str, float]:
    """The typed terms and their weight: the title's, then the description's first lines'."""
    thesaurus = thesaurus_of(community.pk)
    language = community.default_language
    weights = dict.fromkeys(terms(title, thesaurus=thesaurus, language=language), 1.0)
    if body:
        for term in terms(body[:QUERY_BODY_CHARS], thesaurus=thesaurus, language=language, limit=12):
            weights.setdefault(term, QUERY_BODY_WEIGHT)
    return weights


# PostgreSQL ------------------------------------------------------------------------------

# The same expression as the GIN index of migration 0008: the idea's terms as an array.
TERMS_ARRAY = "string_to_array(i.match_title || ' ' || i.match_body, ' ')"
EMBEDDING_COLUMNS = "i.embedding, i.embedding_model"
# Only fixed fragments are formatted in; the community and the term are parameters.
COUNT_TERM = f"(SELECT count(*) FROM ideas_idea i WHERE i.community_id = %s AND {TERMS_ARRAY} @> ARRAY[%s])"  # noqa: S608
COUNT_IDEAS = "(SELECT count(*) FROM ideas_idea i WHERE i.community_id = %s)"


def _rarity_key(community_id: int, term: str) -> str:
    digest = hashlib.blake2s(term.encode(), digest_size=8).hexdigest()
    return f"simdf:{community_id}:{digest}"


def _frequencies(community_id: int, wanted: list[str]) -> tuple[dict[str, int], int]:
    """How many of the community's ideas have each term, and how many ideas it has: from
    the cache, else counted (one query for all the missing terms)."""
    keys = {term: _rarity_key(community_id, term) for term in wanted}
    keys[""] = f"simdf:{community_id}:ideas"
    found = _cached(lambda: cache.get_many(list(keys.values())), {})
    counts = {term: found[key] for term, key in keys.items() if key in found}
    missing = [term for term in keys if term not in counts]
    if missing:
        # A count per term, each its own sub-select: a rare term's through the GIN index (a
        # few rows read), where counting them all in one pass over the community computed
        # every idea's terms array once per term.
        columns = ", ".join(COUNT_TERM if term else COUNT_IDEAS for term in missing)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns}",
                [value for term in missing for value in ([community_id, term] if term else [community_id])],
            )
            row = cursor.fetchone()
        fresh = dict(zip(missing, row, strict=True))
        _cached(lambda: cache.set_many({keys[term]: count for term, count in fresh.items()}, RARITY_TTL), None)
        counts.update(fresh)
    return counts, counts.pop("")


CANDIDATE_COLUMNS = f"i.id, i.title, i.match_title, i.match_body, {EMBEDDING_COLUMNS}"
# OFFSET 0 keeps the sub-select from being flattened into a join the planner would hash.
STATS_BY_IDEA = "JOIN LATERAL (SELECT votes, is_listed FROM ideas_ideastats WHERE idea_id = i.id OFFSET 0) s ON true"
BEST_COLUMNS = "id, title, match_title, match_body, embedding, embedding_model"
FEW_FOUND = 10_000  # ideas found by the typed terms (at most), under which STATS_BY_IDEA serves


def _candidates_postgres(community: Community, query: dict[str, float], rarity: dict[str, float], counts, wanted: int):
    present = [term for term in query if counts.get(term)]
    if not present:
        return []
    finding = [term for term in present if counts[term] <= COMMON_SHARE * counts["__ideas__"]]
    # Pre-rank: the rarity-weighted share of the typed terms found in the title (or, for
    # less, in the description).
    parts, params = [], []
    for term in present:
        parts.append(
            "%s * (CASE WHEN strpos(' ' || i.match_title || ' ', %s) > 0 THEN 1.0 "
            "WHEN strpos(' ' || i.match_body || ' ', %s) > 0 THEN %s ELSE 0 END)"
        )
        params += [rarity[term] * query[term], f" {term} ", f" {term} ", WEIGHTS.body]
    # A few thousand ideas found: each one's stats row read through its primary key, where
    # the planner would hash the whole stats table (a third of the query's time).
    found = finding or present
    few = sum(counts[term] for term in found) <= FEW_FOUND
    stats = STATS_BY_IDEA if few else "JOIN ideas_ideastats s ON s.idea_id = i.id"
    # Only fixed fragments are formatted in; every term is a parameter.
    ranked = (
        f"SELECT {CANDIDATE_COLUMNS} FROM ideas_idea i {stats} "  # noqa: S608
        f"WHERE i.community_id = %s AND s.is_listed AND {TERMS_ARRAY} && %s::text[] {{gate}}"
        f"ORDER BY ({' + '.join(parts)}) DESC, s.votes DESC, i.id DESC LIMIT %s"
    )
    ranked_params = [community.pk, found, *params, wanted]
    if finding:
        sql, sql_params = ranked.format(gate=""), ranked_params
    else:
        # Only common terms typed ("train", "gare"): ranking every idea that has one of them
        # reads a large part of the community. A shorter read gives the same first rows,
        # and when it cannot tell, the ranking runs (in the same query).
        best, best_params, sure, sure_params = _common_shortcut(community, present, counts, parts, params, wanted)
        sql = (
            f"WITH {best} SELECT {BEST_COLUMNS} FROM best WHERE {sure} "  # noqa: S608
            f"UNION ALL ({ranked.format(gate=f'AND NOT ({sure}) ')})"
        )
        sql_params = [*best_params, *sure_params, *ranked_params[:2], *sure_params, *ranked_params[2:]]
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        return cursor.fetchall()


def _common_shortcut(community: Community, present: list[str], counts, parts, params, wanted: int):
    """For a title of common terms only: a CTE `best` read cheaply, and the condition under
    which its rows are the ranking's first `wanted` (as SQL with its parameters)."""
    chosen, total = [], 0
    for term in sorted(present, key=lambda term: counts[term]):
        if total + counts[term] > FEW_FOUND:
            break
        chosen.append(term)
        total += counts[term]
    if chosen:
        # The ideas with one of the rarest terms, ranked: an idea with none of them ranks
        # at most the weight of the others, so when the last of `wanted` ranks above that,
        # no other idea can take its place.
        others = sum(weight for term, weight in zip(present, params[::4], strict=True) if term not in chosen)
        best = (
            f"best AS MATERIALIZED (SELECT {CANDIDATE_COLUMNS}, ({' + '.join(parts)}) AS rank "  # noqa: S608
            f"FROM ideas_idea i {STATS_BY_IDEA} WHERE i.community_id = %s AND s.is_listed "
            f"AND {TERMS_ARRAY} && %s::text[] ORDER BY rank DESC, s.votes DESC, i.id DESC LIMIT %s)"
        )
        sure = "(SELECT count(*) FROM best) = %s AND (SELECT min(rank) FROM best) > %s"
        return best, [*params, community.pk, chosen, wanted], sure, [wanted, others * (1 + 1e-9)]
    # Even the rarest is in more than FEW_FOUND ideas: the ranking's first are the ideas
    # with all of them in the title (every term weighs something), by votes; when the
    # `COMMON_SCAN` most voted public ideas hold `wanted` of them, those are the answer.
    in_title = " AND ".join(["strpos(' ' || i.match_title || ' ', %s) > 0"] * len(present))
    best = (
        f"voted AS (SELECT idea_id, votes FROM ideas_ideastats WHERE community_id = %s AND is_listed "  # noqa: S608
        f"ORDER BY votes DESC, idea_id DESC LIMIT %s), "
        f"best AS MATERIALIZED (SELECT {CANDIDATE_COLUMNS} FROM voted s JOIN ideas_idea i ON i.id = s.idea_id "
        f"WHERE i.community_id = %s AND {in_title} ORDER BY s.votes DESC, i.id DESC LIMIT %s)"
    )
    best_params = [community.pk, COMMON_SCAN, community.pk, *(f" {term} " for term in present), wanted]
    return best, best_params, "(SELECT count(*) FROM best) = %s", [wanted]


# SQLite -----------------------------------------------------------------------------------


def _candidates_scan(community: Community) -> tuple[list[tuple], dict[str, int], int]:
    listed = Idea.objects.filter(stats__community=community, stats__is_listed=True)
    columns = ("pk", "title", "match_title", "match_body", "embedding", "embedding_model")
    rows = list(listed.order_by("-pk").values_list(*columns)[:SQLITE_SCAN])
    counts: dict[str, int] = {}
    for _pk, _title, title_terms, body_terms, *_embedding in rows:
        for term in set(title_terms.split()) | set(body_terms.split()):
            counts[term] = counts.get(term, 0) + 1
    return rows, counts, len(rows)


def similar(
    community: Community,
    title: str,
    body: str = "",
    *,
    limit: int,
    exclude: int | None = None,
    weights: Weights | None = None,
) -> list[Match]:
    """The community's public ideas most likely repeated by `title` (and `body`), best
    first, each with its score; none under the floor."""
    query = _query_terms(community, title, body)
    if not query:
        return []
    semantic = embeddings.enabled()
    weights = weights or (SEMANTIC_WEIGHTS if semantic else WEIGHTS)
    query_vector = embeddings.embed([embeddings.text_of(title, body)])[0] if semantic else None
    if connection.vendor == "postgresql":
        counts, documents = _frequencies(community.pk, list(query))
        counts["__ideas__"] = documents
        rarity = {term: idf(counts.get(term, 0), documents) for term in query}
        rows = _candidates_postgres(community, query, rarity, counts, PRERANK)
        if semantic:
            rows += _rows_by_pk(community, embeddings.neighbours(community.pk, query_vector, SEMANTIC_NEIGHBOURS), rows)
    else:
        rows, counts, documents = _candidates_scan(community)
        rarity = {term: idf(counts.get(term, 0), documents) for term in query}
    rows = [row for row in rows if row[0] != exclude]
    weighted = {term: rarity[term] * weight for term, weight in query.items()}
    typed = trigrams(title)
    # Rarity means little among a few ideas (in a community of three, every word is common).
    least = weights.min_information if documents >= weights.information_from else 0.0
    values = [
        score(list(query), typed, title_terms.split(), body_terms.split(), idea_title, weighted, weights)
        if _information(weighted, title_terms, body_terms) >= least
        else 0.0
        for _pk, idea_title, title_terms, body_terms, _vector, _model in rows
    ]
    if semantic and rows:
        values = _blend(query_vector, rows, values, weights.semantic_share)
    shown_from = weights.shown(values)
    if shown_from is None:
        return []
    scored = [Match(row[0], value) for row, value in zip(rows, values, strict=True) if value >= shown_from]
    scored.sort(key=lambda match: (-match.score, -match.pk))
    return scored[:limit]


def _information(weighted: dict[str, float], title_terms: str, body_terms: str) -> float:
    """The summed rarity of the typed terms an idea has."""
    has = set(title_terms.split()) | set(body_terms.split())
    return sum(weight for term, weight in weighted.items() if term in has)


def _rows_by_pk(community: Community, pks: list[int], already: list[tuple]) -> list[tuple]:
    """The candidate rows of these public ideas, those already found left out."""
    have = {row[0] for row in already}
    wanted = [pk for pk in pks if pk not in have]
    if not wanted:
        return []
    columns = ("pk", "title", "match_title", "match_body", "embedding", "embedding_model")
    listed = Idea.objects.filter(stats__community=community, stats__is_listed=True, pk__in=wanted)
    return list(listed.values_list(*columns))


def _blend(query_vector, rows: list[tuple], lexical: list[float], share: float) -> list[float]:
    """The lexical scores blended with the cosine of the embeddings; an idea not embedded
    yet (or by another model) keeps its lexical score."""
    current = embeddings.current_model()
    stored = [vector if model == current else None for *_rest, vector, model in rows]
    return [
        value if cosine is None else (1 - share) * value + share * max(cosine, 0.0)
        for value, cosine in zip(lexical, embeddings.cosines(query_vector, stored), strict=True)
    ]
