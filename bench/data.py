"""A large generated community in a PostgreSQL database of its own, for `bench.run`.

    DATABASE_URL=postgres://root@127.0.0.1:5432/cluetrain .venv/bin/python -m bench.data \\
        --ideas 100000 --votes 1000000 --comments 300000 --members 20000

What it builds:

1. A database named after DATABASE_URL's with `_bench` added (`--database` to choose),
   dropped, created and migrated: the schema is exactly what the migrations make now.
   DATABASE_URL's own database is never touched. No Redis is used (nothing is queued).
2. Two communities made by `community.services.community_create` (default statuses),
   French (`idees.bench.test`, the default one) and English (`ideas.bench.test`, with
   down-votes), each with six categories, a brand manager and its share of the members
   (about one member in ten belongs to both). `--clients` extra accounts
   (`bench-client-01`, ...) are members of the French community with no votes or
   comments yet: `bench.run` signs them in.
3. Ideas (half per community, three years of them, prolific authors more often), votes
   and comments loaded with COPY. Votes follow a Zipf law over a random ranking of the
   ideas (exponent 0.9: half of all votes go to about 1 % of the ideas) and never exceed
   90 % of a community's members on one idea; comments follow the same ranking (exponent
   0.8), a third are replies, about 3 % are pending, hidden or deleted. Every derived
   value the application keeps is produced as it would be: `body_html` by
   `ideas.rendering.render_markdown` (in a process pool), the duplicate-detection terms
   (`match_title`, `match_body`) as `ideas.duplicates.idea_terms` makes them (in a process
   pool, with each community's synonyms: none), the search vector by one UPDATE
   per community with `ideas.search.idea_search_vector`, the `IdeaStats` row (counters,
   `hot`/`hot_epoch` by `ideas.services.hot_score`/`hot_epoch_of`, listing columns,
   `answered_at`), follows (the author, every voter and commenter, as the services do),
   tags, status changes, published official responses for ideas planned, in progress,
   done or declined (and a few new ones), the reputation ledger and totals.
4. One French idea, planned, with a published response and exactly 50 visible comments
   (40 threads and 10 replies): the idea-page scenario. Its id and everything else
   `bench.run` needs is stored as JSON in the database's comment (`facts()` reads it).
5. VACUUM (FREEZE, ANALYZE), as autovacuum would eventually do.

Prints the time of each step. The default size takes a few minutes on two cores.
"""

from __future__ import annotations

import argparse
import bisect
import json
import multiprocessing
import os
import random
import secrets
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
HOSTS = {"fr": "idees.bench.test", "en": "ideas.bench.test"}
# (slug, share of ideas) for the default statuses of community.services.DEFAULT_STATUSES
STATUS_SHARES = (
    ("new", 0.62),
    ("under-review", 0.14),
    ("planned", 0.07),
    ("in-progress", 0.05),
    ("done", 0.06),
    ("declined", 0.05),
    ("duplicate", 0.01),
)
ANSWERED_STATUSES = ("planned", "in-progress", "done", "declined")
CATEGORIES = (
    ("comfort", "Confort à bord", "On-board comfort"),
    ("stations", "Gares", "Stations"),
    ("tickets", "Billets et tarifs", "Tickets and fares"),
    ("app", "Application et site", "App and website"),
    ("accessibility", "Accessibilité", "Accessibility"),
    ("information", "Ponctualité et information", "Punctuality and information"),
)
VOTE_EXPONENT = 0.9
COMMENT_EXPONENT = 0.8
VOTE_CAP = 0.9  # of a community's members on one idea
DETAIL_COMMENTS = 50
DETAIL_REPLIES = 10
YEARS = 3
# The tables filled here, whose secondary indexes are built after the load.
LOADED_TABLES = (
    "accounts_user",
    "community_membership",
    "ideas_idea",
    "ideas_ideastats",
    "ideas_vote",
    "ideas_comment",
    "ideas_follow",
    "ideas_officialresponse",
    "ideas_statuschange",
    "taggit_taggeditem",
    "accounts_pointevent",
    "accounts_reputation",
)
PASSWORD = "bench-password"  # noqa: S105 - generated accounts on a throw-away database


@dataclass(frozen=True)
class Sizes:
    ideas: int = 100_000
    votes: int = 1_000_000
    comments: int = 300_000
    members: int = 20_000

    @classmethod
    def scaled(cls, ideas: int) -> Sizes:
        """The default proportions for this many ideas."""
        base = cls()
        ratio = ideas / base.ideas
        return cls(ideas, round(base.votes * ratio), round(base.comments * ratio), max(round(base.members * ratio), 50))


# --- Database ---------------------------------------------------------------------------


def bench_database_url(database_url: str, name: str | None = None) -> str:
    parts = urlsplit(database_url)
    name = name or f"{parts.path.lstrip('/') or 'cluetrain'}_bench"
    return urlunsplit(parts._replace(path=f"/{name}"))


def _connect(url: str, dbname: str | None = None, **kwargs):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
        dbname=dbname or parts.path.lstrip("/"),
        **kwargs,
    )


def recreate_database(url: str) -> None:
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with _connect(url, dbname="postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def facts(url: str) -> dict | None:
    """What the build stored in the database's comment, or None (no such database, or not built)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    try:
        with _connect(url, dbname="postgres", autocommit=True) as connection:
            row = connection.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
    except psycopg.Error:
        return None
    if not row or not row[0]:
        return None
    return json.loads(row[0])


def _store_facts(url: str, data: dict) -> None:
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with _connect(url, dbname="postgres", autocommit=True) as connection:
        connection.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(json.dumps(data)))
        )


# --- Steps ------------------------------------------------------------------------------


class Steps:
    """Prints and keeps the time each step took."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.started = time.monotonic()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        print(f"  {name} ...", end="", flush=True)
        started = time.monotonic()
        yield
        self.seconds[name] = time.monotonic() - started
        print(f" {self.seconds[name]:.1f} s", flush=True)

    @property
    def total(self) -> float:
        return time.monotonic() - self.started


@dataclass
class IdeaRow:
    id: int
    community: int  # index in Built.communities
    author: int
    title: str
    body: str
    category: int | None
    status: str
    state: str
    created: float  # epoch seconds
    voters: list[int] = field(default_factory=list)
    commenters: list[int] = field(default_factory=list)
    up: int = 0
    down: int = 0
    comments: int = 0
    answered: float | None = None


def _zipf_counts(total: int, ranks: list[int], exponent: float, caps: list[int], rng: random.Random) -> list[int]:
    """Counts per item summing to about `total`: weight 1/rank**exponent, capped per item,
    the excess spread over the uncapped items; fractions rounded at random."""
    weights = [1 / rank**exponent for rank in ranks]
    capped: dict[int, int] = {}
    remaining = total
    for _round in range(10):
        free = sum(weight for index, weight in enumerate(weights) if index not in capped)
        newly = {
            index: caps[index]
            for index, weight in enumerate(weights)
            if index not in capped and remaining * weight / free > caps[index]
        }
        if not newly:
            break
        capped.update(newly)
        remaining = total - sum(capped.values())
    free = sum(weight for index, weight in enumerate(weights) if index not in capped)
    counts = []
    for index, weight in enumerate(weights):
        if index in capped:
            counts.append(capped[index])
            continue
        expected = remaining * weight / free
        whole = int(expected)
        counts.append(min(whole + (rng.random() < expected - whole), caps[index]))
    return counts


def _copy(cursor, table: str, columns: str, rows: Iterable[tuple]) -> int:
    """COPY the rows into the table's columns (named in a space-separated string)."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns.split())}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _drop_secondary_indexes(cursor, tables: Iterable[str]) -> dict[str, str]:
    """Drop the tables' indexes that back no constraint; {name: CREATE INDEX statement}."""
    cursor.execute(
        """
        SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = ANY(%s)
          AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))
        """,
        [list(tables)],
    )
    indexes = dict(cursor.fetchall())
    for name in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return indexes


def _set_sequences(cursor, tables: Iterable[str]) -> None:
    for table in tables:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"  # noqa: S608 - our table names
        )


def _render_all(texts: list[str]) -> list[str]:
    from ideas.rendering import render_markdown

    if len(texts) < 2000:
        return [render_markdown(text) for text in texts]
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 2) as pool:
        return pool.map(render_markdown, texts, chunksize=500)


def _idea_terms(item: tuple[str, tuple, str, str]) -> tuple[str, str]:
    """`ideas.duplicates.idea_terms` for a community given by its language and synonym lines."""
    from ideas.similarity import BODY_TERMS, terms, thesaurus_with

    language, lines, title, body = item
    thesaurus = thesaurus_with(lines)
    return (
        " ".join(terms(title, thesaurus=thesaurus, language=language)),
        " ".join(terms(body, thesaurus=thesaurus, language=language, limit=BODY_TERMS)),
    )


def _terms_all(items: list[tuple[str, tuple, str, str]]) -> list[tuple[str, str]]:
    if len(items) < 2000:
        return [_idea_terms(item) for item in items]
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 2) as pool:
        return pool.map(_idea_terms, items, chunksize=500)


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def build(sizes: Sizes, *, clients: int = 32, seed: int = 1) -> dict:
    """Fill the (migrated, empty) database Django is connected to; return the facts."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils.text import slugify

    from bench.corpus import BROAD, LANGUAGES, SELECTIVE, SELECTIVE_SHARE, Writer
    from community.models import Category, Role, Status
    from community.services import community_create
    from ideas.duplicates import community_lines
    from ideas.models import Idea, ModerationState
    from ideas.search import idea_search_vector
    from ideas.services import hot_epoch_of, hot_score

    rng = random.Random(seed)  # noqa: S311 - generated data, not secrets
    steps = Steps()
    now = time.time()
    start = now - YEARS * 365 * 86400
    languages = ("fr", "en")
    writers = {code: Writer(LANGUAGES[code], random.Random(rng.random())) for code in languages}  # noqa: S311

    with steps.step("communities, statuses, categories"):
        communities = []
        for code in languages:
            community = community_create(
                name="Lab Rail Horizon" if code == "fr" else "Rail Horizon Ideas",
                slug=f"bench-{code}",
                domain=HOSTS[code],
                is_default=code == "fr",
                default_language=code,
                downvotes_allowed=code == "en",
                tagline="Vos idées pour des voyages en train plus simples."
                if code == "fr"
                else "Your ideas for simpler train journeys.",
                welcome_text="Proposez, votez, suivez ce que nos équipes en font."
                if code == "fr"
                else "Suggest, vote and follow what our teams do with your ideas.",
            )
            Category.objects.bulk_create(
                Category(community=community, slug=slug, name_fr=fr, name_en=en, order=order)
                for order, (slug, fr, en) in enumerate(CATEGORIES)
            )
            communities.append(community)
        statuses = [{status.slug: status for status in Status.objects.filter(community=c)} for c in communities]
        categories = [list(Category.objects.filter(community=c).values_list("pk", flat=True)) for c in communities]
        closed = [{slug for slug, status in by_slug.items() if status.is_closed} for by_slug in statuses]

    cursor = connection.cursor().cursor  # psycopg's own cursor, for COPY
    cursor.execute("SET synchronous_commit = off")
    # Built once at the end from their own definitions: much faster than row by row.
    deferred = _drop_secondary_indexes(cursor, LOADED_TABLES)

    with steps.step(f"{sizes.members:,} members, {clients} bench clients, 2 brand managers, memberships"):
        password = make_password(PASSWORD)
        joined = _at(start)
        users = []  # (id, username, language)
        members: list[list[int]] = [[], []]
        memberships = []
        for number in range(1, sizes.members + 1):
            code = "fr" if rng.random() < 0.5 else "en"
            home = languages.index(code)
            users.append((number, f"member-{number:06d}", code, writers[code].person()))
            members[home].append(number)
            memberships.append((home, number, Role.MEMBER))
            if rng.random() < 0.1:
                members[1 - home].append(number)
                memberships.append((1 - home, number, Role.MEMBER))
        next_id = sizes.members + 1
        managers = []
        for home, code in enumerate(languages):
            users.append((next_id, f"bench-brand-{code}", code, "Rail Horizon"))
            memberships.append((home, next_id, Role.BRAND_MANAGER))
            managers.append(next_id)
            next_id += 1
        client_ids = []
        for number in range(1, clients + 1):
            users.append((next_id, f"bench-client-{number:02d}", "fr", f"Client {number:02d}"))
            memberships.append((0, next_id, Role.MEMBER))
            client_ids.append(next_id)
            next_id += 1
        _copy(
            cursor,
            "accounts_user",
            "id password is_superuser username first_name last_name is_staff is_active date_joined email "
            "display_name language avatar avatar_source bio",
            (
                (uid, password, False, name, "", "", False, True, joined, f"{name}@bench.test", shown, code, "", "", "")
                for uid, name, code, shown in users
            ),
        )
        _copy(
            cursor,
            "community_membership",
            "id community_id user_id role created_at",
            (
                (number, communities[home].pk, uid, role, joined)
                for number, (home, uid, role) in enumerate(memberships, start=1)
            ),
        )
        usernames = {uid: name for uid, name, _code, _display in users}

    with steps.step(f"{sizes.ideas:,} ideas: texts"):
        # Prolific authors: activity weights follow a Zipf law too.
        author_cumulative = [
            _cumulative_weights([1 / (rank**0.7) for rank in range(1, len(pool) + 1)]) for pool in members
        ]
        authors = [rng.sample(pool, len(pool)) for pool in members]  # random order = random activity rank
        status_cumulative = _cumulative_weights([share for _slug, share in STATUS_SHARES])
        times = sorted(rng.uniform(start, now - 600) for _ in range(sizes.ideas))
        ideas: list[IdeaRow] = []
        selective_count = 0
        for number, created in enumerate(times, start=1):
            home = 0 if rng.random() < 0.5 else 1
            writer = writers[languages[home]]
            selective = rng.random() < SELECTIVE_SHARE
            selective_count += selective and home == 0
            slug_status = STATUS_SHARES[bisect.bisect(status_cumulative, rng.random() * status_cumulative[-1])][0]
            if now - created < 14 * 86400 and slug_status != "duplicate":
                slug_status = "new"  # recent ideas have not been looked at yet
            roll = rng.random()
            state = ModerationState.APPROVED
            if roll < 0.005:
                state = ModerationState.PENDING if now - created < 2 * 86400 else ModerationState.REJECTED
            elif roll < 0.01:
                state = ModerationState.HIDDEN
            author_rank = bisect.bisect(author_cumulative[home], rng.random() * author_cumulative[home][-1])
            ideas.append(
                IdeaRow(
                    id=number,
                    community=home,
                    author=authors[home][min(author_rank, len(authors[home]) - 1)],
                    title=writer.title(selective=selective),
                    body=writer.body(),
                    category=rng.choice(categories[home]) if rng.random() < 0.8 else None,
                    status=slug_status,
                    state=state,
                    created=created,
                )
            )
        # The idea-page scenario: a popular French idea, planned, answered, 50 comments.
        detail = next(
            idea
            for idea in sorted(ideas, key=lambda row: -row.created)[len(ideas) // 10 :]
            if idea.community == 0 and idea.state == ModerationState.APPROVED
        )
        detail.status = "planned"

    with steps.step(f"{sizes.ideas:,} ideas: body_html (render_markdown, {os.cpu_count()} processes)"):
        bodies_html = _render_all([idea.body for idea in ideas])

    with steps.step(f"{sizes.ideas:,} ideas: duplicate-detection terms (idea_terms, {os.cpu_count()} processes)"):
        lines = [community_lines(community.pk) for community in communities]
        matches = _terms_all(
            [(languages[idea.community], lines[idea.community], idea.title, idea.body) for idea in ideas]
        )

    with steps.step(f"{sizes.ideas:,} ideas and their tags: COPY"):
        _copy(
            cursor,
            "ideas_idea",
            "id community_id author_id title slug body body_html category_id status_id moderation_state "
            "revision created_at updated_at match_title match_body embedding_model",
            (
                (
                    idea.id,
                    communities[idea.community].pk,
                    idea.author,
                    idea.title,
                    slugify(idea.title)[:80] or "idee",
                    idea.body,
                    html,
                    idea.category,
                    statuses[idea.community][idea.status].pk,
                    idea.state,
                    1,
                    _at(idea.created),
                    _at(idea.created),
                    match_title,
                    match_body,
                    "",  # not embedded: the semantic option is off
                )
                for idea, html, (match_title, match_body) in zip(ideas, bodies_html, matches, strict=True)
            ),
        )
        tag_names = {(code, name) for code in languages for name in LANGUAGES[code].tags}
        tag_ids = {}
        tag_rows = []
        for number, (code, name) in enumerate(sorted(tag_names), start=1):
            tag_ids[(code, name)] = number
            tag_rows.append((number, name if code == "fr" else f"{name}-{code}", slugify(f"{name}-{code}")))
        _copy(cursor, "taggit_tag", "id name slug", tag_rows)
        idea_type = ContentType.objects.get_for_model(Idea).pk
        tagged = []
        for idea in ideas:
            code = languages[idea.community]
            for name in rng.sample(LANGUAGES[code].tags, rng.choice((0, 1, 1, 2, 3))):
                tagged.append((len(tagged) + 1, idea.id, idea_type, tag_ids[(code, name)]))
        _copy(cursor, "taggit_taggeditem", "id object_id content_type_id tag_id", tagged)

    with steps.step("search vectors: one UPDATE per community (ideas.search.idea_search_vector)"):
        for community in communities:
            Idea.objects.filter(community=community).update(search_vector=idea_search_vector(community))

    # Ideas that take part: public, not hidden; the same random ranking drives votes and comments.
    open_ideas = [idea for idea in ideas if idea.state == ModerationState.APPROVED]
    ranking = rng.sample(range(1, len(open_ideas) + 1), len(open_ideas))
    detail_rank = max(1, len(open_ideas) // 2000)  # popular, not the most popular
    swap = ranking.index(detail_rank)
    detail_index = open_ideas.index(detail)
    ranking[swap], ranking[detail_index] = ranking[detail_index], detail_rank

    with steps.step(f"{sizes.votes:,} votes (Zipf {VOTE_EXPONENT}): draw and COPY"):
        caps = [int(VOTE_CAP * len(members[idea.community])) for idea in open_ideas]
        counts = _zipf_counts(sizes.votes, ranking, VOTE_EXPONENT, caps, rng)
        votes = []
        for idea, count in zip(open_ideas, counts, strict=True):
            if not count:
                continue
            idea.voters = rng.sample(members[idea.community], count)
            downvotes = idea.community == 1  # the English community allows down-votes
            for voter in idea.voters:
                value = -1 if downvotes and rng.random() < 0.08 else 1
                if value == 1:
                    idea.up += 1
                else:
                    idea.down += 1
                votes.append((rng.uniform(idea.created, now), idea.id, voter, value))
        votes.sort()
        _copy(
            cursor,
            "ideas_vote",
            "id idea_id user_id value created_at",
            (
                (number, idea_id, user_id, value, _at(at))
                for number, (at, idea_id, user_id, value) in enumerate(votes, start=1)
            ),
        )
        vote_rows = len(votes)

    with steps.step(f"{sizes.comments:,} comments (Zipf {COMMENT_EXPONENT}): draw, render and COPY"):
        caps = [10 * sizes.comments] * len(open_ideas)
        comment_total = max(sizes.comments - DETAIL_COMMENTS, 0)
        counts = _zipf_counts(comment_total, ranking, COMMENT_EXPONENT, caps, rng)
        counts[detail_index] = DETAIL_COMMENTS
        # Distinct texts to draw from (rendered once each): comments repeat in real life too.
        pools = {}
        for home, code in enumerate(languages):
            texts = [writers[code].comment(usernames[rng.choice(members[home])]) for _ in range(4000)]
            pools[home] = list(zip(texts, _render_all(texts), strict=True))
        drawn = []  # (created, idea index, local number, parent local number, author, state, text index)
        for index, (idea, count) in enumerate(zip(open_ideas, counts, strict=True)):
            if not count:
                continue
            moments = sorted(rng.uniform(idea.created, now) for _ in range(count))
            threads: list[int] = []
            is_detail = idea is detail
            for local, moment in enumerate(moments):
                parent = None
                if threads and (
                    (is_detail and local >= DETAIL_COMMENTS - DETAIL_REPLIES) or (not is_detail and rng.random() < 0.33)
                ):
                    parent = rng.choice(threads)
                state, deleted = ModerationState.APPROVED, False
                roll = rng.random()
                if not is_detail and roll < 0.03:
                    state, deleted = (
                        (ModerationState.PENDING, False),
                        (ModerationState.HIDDEN, False),
                        (ModerationState.APPROVED, True),
                    )[int(roll * 100)]
                if parent is None:
                    threads.append(local)
                author = rng.choice(members[idea.community])
                drawn.append((moment, index, local, parent, author, state, deleted, rng.randrange(4000)))
                idea.commenters.append(author)
                if state == ModerationState.APPROVED and not deleted:
                    idea.comments += 1
        drawn.sort()
        ids = {(index, local): number for number, (_m, index, local, *_rest) in enumerate(drawn, start=1)}

        def comment_rows() -> Iterator[tuple]:
            for number, (moment, index, _local, parent, author, state, deleted, text) in enumerate(drawn, start=1):
                idea = open_ideas[index]
                body, html = pools[idea.community][text]
                at = _at(moment)
                yield (
                    number,
                    idea.id,
                    author,
                    None if parent is None else ids[(index, parent)],
                    "" if deleted else body,
                    "" if deleted else html,
                    state,
                    1,
                    at,
                    at if deleted else None,
                )

        comment_rows_count = _copy(
            cursor,
            "ideas_comment",
            "id idea_id author_id parent_id body body_html moderation_state revision created_at deleted_at",
            comment_rows(),
        )

    with steps.step("status changes and published official responses"):
        changes, responses = [], []
        for idea in ideas:
            if idea.state != ModerationState.APPROVED:
                continue
            answered = idea.status in ANSWERED_STATUSES or (idea.status == "new" and rng.random() < 0.01)
            if idea.status == "new" and not answered:
                continue
            moment = rng.uniform(idea.created, now)
            home = idea.community
            response_id = None
            if answered:
                text = writers[languages[home]].response(idea.status)
                response_id = len(responses) + 1
                new_status = None if idea.status == "new" else statuses[home][idea.status].pk
                responses.append((response_id, idea.id, text, new_status, managers[home], _at(moment)))
                idea.answered = moment
            if idea.status != "new":
                reason = "" if answered else ("Doublon." if languages[home] == "fr" else "Duplicate.")
                changes.append(
                    (
                        len(changes) + 1,
                        idea.id,
                        statuses[home]["new"].pk,
                        statuses[home][idea.status].pk,
                        managers[home],
                        reason if idea.status == "duplicate" else "",
                        response_id,
                        _at(moment),
                    )
                )
        responses_html = _render_all([row[2] for row in responses])
        _copy(
            cursor,
            "ideas_officialresponse",
            "id idea_id body body_html status_id state author_id published_by_id published_at notified_at "
            "created_at updated_at",
            (
                (rid, idea_id, text, html, status_id, "published", manager, manager, at, at, at, at)
                for (rid, idea_id, text, status_id, manager, at), html in zip(responses, responses_html, strict=True)
            ),
        )
        _copy(
            cursor,
            "ideas_statuschange",
            "id idea_id from_status_id to_status_id changed_by_id reason response_id created_at",
            changes,
        )

    with steps.step("follows (authors, voters, commenters) and IdeaStats rows"):
        follow_count = 0

        def follow_rows() -> Iterator[tuple]:
            nonlocal follow_count
            for idea in ideas:
                followers = dict.fromkeys([idea.author, *idea.voters, *idea.commenters])
                for user_id in followers:
                    follow_count += 1
                    yield (follow_count, idea.id, user_id, _at(idea.created))

        _copy(cursor, "ideas_follow", "id idea_id user_id created_at", follow_rows())

        def stats_rows() -> Iterator[tuple]:
            for idea in ideas:
                epoch = hot_epoch_of(_at(idea.created))
                votes = idea.up - idea.down
                yield (
                    idea.id,
                    communities[idea.community].pk,
                    statuses[idea.community][idea.status].pk,
                    idea.category,
                    idea.state == ModerationState.APPROVED,
                    _at(idea.created),
                    votes,
                    idea.up,
                    idea.down,
                    idea.comments,
                    len(dict.fromkeys([idea.author, *idea.voters, *idea.commenters])),
                    hot_score(votes, epoch),
                    epoch,
                    None if idea.answered is None else _at(idea.answered),
                )

        _copy(
            cursor,
            "ideas_ideastats",
            "idea_id community_id status_id category_id is_listed created_at votes upvotes downvotes comments "
            "followers hot hot_epoch answered_at",
            stats_rows(),
        )

    with steps.step("reputation ledger and totals (INSERT ... SELECT)"):
        _reputation(cursor)

    _set_sequences(cursor, [table for table in (*LOADED_TABLES, "taggit_tag") if table != "ideas_ideastats"])
    with steps.step(f"{len(deferred)} secondary indexes: CREATE INDEX"):
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for definition in deferred.values():
            cursor.execute(definition)

    with steps.step("VACUUM (FREEZE, ANALYZE)"), connection.cursor() as plain:
        plain.execute("VACUUM (FREEZE, ANALYZE)")

    french = communities[0]
    listed_new_fr = sum(
        1 for idea in ideas if idea.community == 0 and idea.state == ModerationState.APPROVED and idea.status == "new"
    )
    # Ideas the signed-in clients vote on and comment on: French, public, open for votes,
    # the most popular first (where members' votes go); never the idea-page scenario's.
    takers = sorted(
        (idea for idea in open_ideas if idea.community == 0 and idea.status not in closed[0] and idea is not detail),
        key=lambda row: -(row.up - row.down),
    )
    with connection.cursor() as plain:
        plain.execute(
            "SELECT count(*) FROM ideas_idea WHERE community_id = %s AND search_vector @@ websearch_to_tsquery(%s, %s)",
            [french.pk, "cluetrain_fr", SELECTIVE["fr"]],
        )
        selective_matches = plain.fetchone()[0]
        plain.execute(
            "SELECT count(*) FROM ideas_idea WHERE community_id = %s AND search_vector @@ websearch_to_tsquery(%s, %s)",
            [french.pk, "cluetrain_fr", BROAD["fr"]],
        )
        broad_matches = plain.fetchone()[0]
        plain.execute("SELECT pg_database_size(current_database())")
        database_bytes = plain.fetchone()[0]
    return {
        "sizes": asdict(sizes),
        "rows": {
            "ideas": len(ideas),
            "votes": vote_rows,
            "comments": comment_rows_count,
            "follows": follow_count,
            "responses": len(responses),
            "members": sizes.members,
        },
        "seed": seed,
        "steps": {name: round(seconds, 1) for name, seconds in steps.seconds.items()},
        "seconds": round(steps.total, 1),
        "database_mb": round(database_bytes / 2**20),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": HOSTS["fr"],
        "hosts": HOSTS,
        "community": french.pk,
        "detail": {"id": detail.id, "slug": slugify(detail.title)[:80] or "idee", "comments": DETAIL_COMMENTS},
        "list_status": "new",
        "list_status_ideas": listed_new_fr,
        "selective": {"term": SELECTIVE["fr"], "matches": selective_matches},
        "broad": {"term": BROAD["fr"], "matches": broad_matches},
        "similar_title": LANGUAGES["fr"].similar_title,
        "clients": client_ids,
        "takers": [idea.id for idea in takers[:20_000]],
        "selective_planted": selective_count,
    }


def _cumulative_weights(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _reputation(cursor) -> None:
    """The ledger as `accounts.reputation` would have written it, then the totals from it."""
    cursor.execute(
        """
        INSERT INTO accounts_pointevent (user_id, community_id, kind, "key", points, created_at)
        SELECT author_id, community_id, 'idea_approved', 'idea:' || id, 10, created_at
        FROM ideas_idea WHERE moderation_state = 'approved' AND author_id IS NOT NULL
        UNION ALL
        SELECT i.author_id, i.community_id, 'vote_received', 'vote:' || v.idea_id || ':' || v.user_id, 1, v.created_at
        FROM ideas_vote v JOIN ideas_idea i ON i.id = v.idea_id
        WHERE v.value = 1 AND i.author_id IS NOT NULL AND i.author_id <> v.user_id
        UNION ALL
        SELECT c.author_id, i.community_id, 'comment', 'comment:' || c.id, 2, c.created_at
        FROM ideas_comment c JOIN ideas_idea i ON i.id = c.idea_id
        WHERE c.moderation_state = 'approved' AND c.deleted_at IS NULL AND c.author_id IS NOT NULL
          AND i.author_id IS DISTINCT FROM c.author_id
        UNION ALL
        SELECT i.author_id, i.community_id, CASE s.slug WHEN 'planned' THEN 'idea_planned' ELSE 'idea_done' END,
               CASE s.slug WHEN 'planned' THEN 'planned:' ELSE 'done:' END || i.id,
               CASE s.slug WHEN 'planned' THEN 20 ELSE 50 END, i.created_at
        FROM ideas_idea i JOIN community_status s ON s.id = i.status_id
        WHERE s.slug IN ('planned', 'done') AND i.moderation_state = 'approved' AND i.author_id IS NOT NULL
        """
    )
    cursor.execute(
        """
        INSERT INTO accounts_reputation (user_id, community_id, points)
        SELECT user_id, community_id, SUM(points) FROM accounts_pointevent GROUP BY user_id, community_id
        """
    )


# --- Entry point ------------------------------------------------------------------------


def setup_django(bench_url: str, *, redis_url: str | None = None) -> None:
    """Django on the bench database, production settings (DEBUG off)."""
    os.environ.update(
        DATABASE_URL=bench_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS=",".join([*HOSTS.values(), "127.0.0.1"]),
        SECURE_SSL_REDIRECT="false",
    )
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)  # nothing queued, local-memory cache
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def create(database_url: str, sizes: Sizes, *, database: str | None = None, clients: int = 32, seed: int = 1) -> dict:
    """Drop, create, migrate and fill the bench database; return its facts (also stored)."""
    bench_url = bench_database_url(database_url, database)
    if urlsplit(bench_url).path == urlsplit(database_url).path:
        sys.exit("The bench database must not be DATABASE_URL's own: it is dropped at every build.")
    print(
        f"Building {urlsplit(bench_url).path.lstrip('/')}: {sizes.ideas:,} ideas, {sizes.votes:,} votes, "
        f"{sizes.comments:,} comments, {sizes.members:,} members",
        flush=True,
    )
    started = time.monotonic()
    recreate_database(bench_url)
    setup_django(bench_url)
    from django.core.management import call_command
    from django.db import connection

    migrate_started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"  database created and migrated ... {time.monotonic() - migrate_started:.1f} s", flush=True)
    data = build(sizes, clients=clients, seed=seed)
    data["seconds"] = round(time.monotonic() - started, 1)
    connection.close()
    _store_facts(bench_url, data)
    print(
        f"Built in {data['seconds']:.0f} s ({data['database_mb']:,} MB): {data['rows']['follows']:,} follows, "
        f"{data['rows']['responses']:,} responses; search '{data['selective']['term']}' matches "
        f"{data['selective']['matches']}, '{data['broad']['term']}' {data['broad']['matches']:,}",
        flush=True,
    )
    return data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.data", description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideas", type=int, default=Sizes.ideas)
    parser.add_argument("--votes", type=int, help="default: 10 per idea")
    parser.add_argument("--comments", type=int, help="default: 3 per idea")
    parser.add_argument("--members", type=int, help="default: one per 5 ideas")
    parser.add_argument("--clients", type=int, default=32, help="signed-in accounts for bench.run (default 32)")
    parser.add_argument("--database", help="the database's name (default: DATABASE_URL's + _bench)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    if urlsplit(database_url).scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("Set DATABASE_URL (postgres://...): the bench database is named after it.")
    scaled = Sizes.scaled(args.ideas)
    sizes = Sizes(
        args.ideas,
        args.votes if args.votes is not None else scaled.votes,
        args.comments if args.comments is not None else scaled.comments,
        args.members if args.members is not None else scaled.members,
    )
    create(database_url, sizes, database=args.database, clients=args.clients, seed=args.seed)


if __name__ == "__main__":
    main()
