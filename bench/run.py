"""Pages under load: gunicorn with production settings on a large generated community.

    DATABASE_URL=postgres://root@127.0.0.1:5432/cluetrain REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python -m bench.run --ideas 100000 --duration 20 --concurrency 8

What it does:

1. Builds the bench database with `bench.data` (DATABASE_URL's name + `_bench`, dropped
   and created; see that module), unless `--reuse` and the database already holds a
   community of the asked size. REDIS_URL must name a Redis database of its own: it is
   the broker, the next one the cache (as in config/settings.py; or CACHE_REDIS_URL's),
   and both are emptied at the start. Nothing consumes the tasks that comments queue; they are emptied at the end.
2. Starts `gunicorn config.wsgi` on 127.0.0.1 (a free port) as in production (Procfile):
   DEBUG off, a SECRET_KEY, ALLOWED_HOSTS, the Redis cache, the access log (to
   var/bench/pages-access.log), static files collected for WhiteNoise. Only
   SECURE_SSL_REDIRECT is off, as behind a proxy that terminates TLS (the client speaks
   plain HTTP; BEHIND_PROXY stays off: no X-Forwarded-Proto is sent or trusted). One worker
   per core (`--workers`), worker class `--worker-class` (gthread, `--threads` 2 each, by
   default: see docs/benchmarks.md for why).
3. Signs in `--concurrency` generated members by creating their sessions in the database
   (`SessionStore`, as `django.contrib.auth.login` would), and gets each one's CSRF cookie
   from a page, once.
4. Runs each scenario for `--warmup` seconds, then measures for `--duration` seconds,
   from a separate process (`bench.load`: asyncio clients, each sending its next request
   when the previous answer is in) at `--concurrency`. A client opens a new keep-alive
   connection every `--per-connection` requests (10): with a few connections kept for a
   whole scenario, the worker that happened to accept more of them was the bottleneck.
   Scenarios: the baseline (robots.txt: the cheapest view, whole middleware stack), the
   same signed in, home, list (top, a status, page 50) and idea page (50 comments and an
   official response) anonymous and signed in, search (a selective French term, a broad
   one), similar ideas for a typed title, then for typed titles by kind (close to ideas
   there, in other words or English, novel, common words only: `bench.corpus.SIMILAR_TITLES`)
   and all of them mixed, each client sending its titles in turn, vote toggle and comment
   post (signed in, CSRF token in the header, Accept: application/json as the page's script
   sends). Before the scenarios, the typed titles are sent one at a time with the document
   frequencies not cached yet (counted on the first request), then again.
   The mixed workload (issue 18), `--scenarios mixed`, which brings `mixed-read-only` and
   `baseline` along (its figures are compared with theirs): `--concurrency` readers, each
   drawing its next page with a fixed seed from a Zipf law (exponent 1.05) over the
   2,000 most voted public ideas' pages and every listing page (each sort, alone and with
   each status or category, pages 1 to 10 where they exist), plus the home page; 30 % of
   their requests as their member, signed in (`READS` gives the shares). With writes,
   paced clients beside them, at a steady rate whatever the answers' speed: a vote toggle
   every second, a follow toggle and a comment every 10 s, a new idea (the form, posted
   as a browser does) every 60 s, members in turn, ideas by the same Zipf law (`WRITES`).
   Each mixed scenario starts with the cache emptied and warms up for `--mixed-warmup`
   seconds. A second table gives its figures per kind of request; CPU per request is the
   whole run's (process CPU times do not tell the kinds apart).
5. Counts the queries and Redis round trips of one request per scenario (Django's test
   client in this process, cache warm), prints a table and appends it with the machine's
   description under "Pages under load" in docs/benchmarks.md (`--no-docs` to skip).
   `--scaling` runs everything at 10,000 and at 100,000 ideas (votes, comments and members
   in proportion) and adds the growth of each scenario's p50. `--profile NAMES` samples
   the gunicorn workers with py-spy during those scenarios (`pip install py-spy`; the
   sampling slows them: read the shares, not that run's rates).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import itertools
import json
import math
import os
import platform
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench import data as bench_data
from bench.moderation import code_version, redacted

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
OUT = ROOT / "var" / "bench"
SECTION = "## Pages under load"
BIN = Path(sys.executable).parent
SPARE_IDEAS = 3  # the first ideas clients may vote on are kept for count_queries
COMMENT_TEXTS = (
    "Tout à fait d'accord, ce serait un vrai progrès pour les trajets du quotidien.",
    "+1, surtout le week-end quand les trains sont pleins.",
    "Bonne idée, mais il faudrait d'abord régler les retards.",
    "Je vote pour ! Chez nous c'est déjà le cas et ça marche très bien.",
)


# --- Scenarios --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    signed_in: bool = False
    expect: int = 200
    kind: str = "page"  # page, json, api (with the bench's API key), vote, comment, mixed
    writes: bool = False  # mixed: with the paced writers


SCENARIOS = (
    Scenario("baseline"),
    Scenario("baseline, signed in", signed_in=True),
    Scenario("home"),
    Scenario("home, signed in", signed_in=True),
    Scenario("list"),
    Scenario("list, signed in", signed_in=True),
    # The REST API's list beside the HTML list (docs/benchmarks.md, "API list beside the HTML list").
    Scenario("list, first page"),
    Scenario("list, first page, signed in", signed_in=True),
    Scenario("api list", kind="api"),
    Scenario("api list, signed in", signed_in=True, kind="json"),
    Scenario("api list, page 50", kind="api"),
    Scenario("idea page"),
    Scenario("idea page, signed in", signed_in=True),
    Scenario("search, selective"),
    Scenario("search, broad"),
    # Issue 18: a term in about 1 % of the community's ideas, chosen at each run from the
    # database (`one_percent_term`): selective by the plan's measure at either size, and a
    # full first page of results at both, so that 10,000 and 100,000 ideas compare like with like.
    Scenario("search, one percent"),
    # A term with about FIFTY_MATCHES matches at any size (`term_matching`): the same work
    # for the search but the ranking of its matches, in a database ten times larger.
    Scenario("search, fifty matches"),
    Scenario("similar", kind="json"),
    Scenario("similar, close titles", kind="json"),
    Scenario("similar, other words", kind="json"),
    Scenario("similar, novel titles", kind="json"),
    Scenario("similar, common words", kind="json"),
    Scenario("similar, mixed titles", kind="json"),
    Scenario("vote toggle", signed_in=True, kind="vote"),
    Scenario("comment post", signed_in=True, expect=201, kind="comment"),
    # Issue 18: readers of many pages while members write; read only first, as the writes
    # change the data and the cache.
    Scenario("mixed, read only", kind="mixed"),
    Scenario("mixed", kind="mixed", writes=True),
)
SLUGS = {scenario.name: re.sub(r"[^a-z]+", "-", scenario.name).strip("-") for scenario in SCENARIOS}


# The similar scenarios with several typed titles (bench.corpus.SIMILAR_TITLES), by kind;
# "mixed" takes them all, interleaved. Each client starts at its own place in the list and
# sends them in turn, so the document frequencies of their terms are counted once and then
# read from the cache, as in production.
SIMILAR_KINDS = {
    "similar, close titles": "close",
    "similar, other words": "other words",
    "similar, novel titles": "novel",
    "similar, common words": "common words",
    "similar, mixed titles": None,
}


def similar_titles(kind: str | None) -> list[str]:
    from bench.corpus import SIMILAR_TITLES

    if kind:
        return list(SIMILAR_TITLES[kind])
    columns = list(SIMILAR_TITLES.values())
    return [titles[n] for n in range(max(map(len, columns))) for titles in columns if n < len(titles)]


def similar_path(title: str) -> str:
    return "/ideas/similar/?" + urlencode({"title": title})


def scenario_paths(facts: dict) -> dict[str, str]:
    """The GET path of each reading scenario (the first title of those with several)."""
    detail = facts["detail"]
    return {
        "baseline": "/robots.txt",
        "home": "/",
        "list": "/ideas/?" + urlencode({"sort": "top", "status": facts["list_status"], "page": 50}),
        "list, first page": "/ideas/?" + urlencode({"sort": "top", "status": facts["list_status"]}),
        "api list": "/api/v1/ideas?" + urlencode({"sort": "top", "status": facts["list_status"], "limit": 20}),
        "api list, page 50": "/api/v1/ideas?"
        + urlencode({"sort": "top", "status": facts["list_status"], "limit": 20, "cursor": facts.get("api_cursor")}),
        "idea page": f"/ideas/{detail['id']}-{detail['slug']}/",
        "search, selective": "/ideas/?" + urlencode({"q": facts["selective"]["term"]}),
        "search, broad": "/ideas/?" + urlencode({"q": facts["broad"]["term"]}),
        "search, one percent": "/ideas/?" + urlencode({"q": facts.get("one_percent", {}).get("term", "")}),
        "search, fifty matches": "/ideas/?" + urlencode({"q": facts.get("fifty_matches", {}).get("term", "")}),
        "similar": similar_path(facts["similar_title"]),
    } | {name: similar_path(similar_titles(kind)[0]) for name, kind in SIMILAR_KINDS.items()}


def _base(scenario: Scenario) -> str:
    return scenario.name.removesuffix(", signed in")


@dataclass
class Client:
    user_id: int
    session: str
    csrf: str = ""

    def cookie(self) -> str:
        return f"sessionid={self.session}" + (f"; csrftoken={self.csrf}" if self.csrf else "")


def _request(method: str, path: str, host: str, headers: dict[str, str], body: str = "") -> str:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "User-Agent: cluetrain-bench"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    encoded = body.encode("utf-8")
    if method == "POST":
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(encoded)}"]
    return "\r\n".join(lines) + "\r\n\r\n" + body


def client_requests(
    scenario: Scenario, facts: dict, clients: list[Client], concurrency: int, seconds: float
) -> list[dict]:
    """One entry per simulated client: its raw requests, sent in turn (drawn, and paced,
    in the mixed scenarios), and the expected status. `seconds`: warm-up and measure."""
    if scenario.kind == "mixed":
        # Writers are other members than the readers: a member who just voted reads their
        # listings afresh for a while (community.cache, `acted_recently`), as they should.
        writers = mixed_writers(facts, clients[concurrency:] or clients, seconds) if scenario.writes else []
        return mixed_readers(facts, clients, concurrency) + writers
    host = facts["host"]
    paths = scenario_paths(facts)
    entries = []
    for number in range(concurrency):
        client = clients[number] if scenario.signed_in else None
        headers = {"Accept": "application/json" if scenario.kind != "page" else "text/html,application/xhtml+xml"}
        if scenario.kind == "api":
            headers["Authorization"] = f"Bearer {facts['api_key']}"
        if client:
            headers["Cookie"] = client.cookie()
        if scenario.kind in ("vote", "comment"):
            headers |= {"X-CSRFToken": client.csrf, "Origin": f"http://{host}"}
            # Each client its own ideas, the most voted first, in turn: a toggle comes back to
            # an idea well after the 2 s double-submission window (it then withdraws the vote).
            ideas = facts["takers"][SPARE_IDEAS:][number::concurrency][:1500]
            if scenario.kind == "vote":
                requests = [_request("POST", f"/ideas/{pk}/vote/", host, headers, "value=1") for pk in ideas]
            else:
                requests = [
                    _request(
                        "POST",
                        f"/ideas/{pk}/comments/",
                        host,
                        headers,
                        urlencode({"body": COMMENT_TEXTS[index % len(COMMENT_TEXTS)]}),
                    )
                    for index, pk in enumerate(ideas)
                ]
        elif scenario.name in SIMILAR_KINDS:
            titles = similar_titles(SIMILAR_KINDS[scenario.name])
            turn = titles[number % len(titles) :] + titles[: number % len(titles)]
            requests = [_request("GET", similar_path(title), host, headers) for title in turn]
        else:
            requests = [_request("GET", paths[_base(scenario)], host, headers)]
        entries.append({"requests": requests, "expect": [scenario.expect]})
    return entries


# --- The mixed workload (issue 18) -------------------------------------------------------

# Readers draw each page from a Zipf law over a popularity ranking: the public ideas by
# votes (the most voted first), the listings in the order a reader meets them (page 1 of
# every sort and filter before page 2, ..., the sorts in SORTS' order, no filter first).
MIXED_IDEAS = 2000
ZIPF_EXPONENT = 1.05
MIXED_SEED = 18
SIGNED_IN_SHARE = 0.3
# A reader's requests by page: visitors land on the home page too; members come back to
# ideas and listings.
READS = {
    "visitor": {"idea page": 0.6, "listing": 0.3, "home": 0.1},
    "signed-in": {"idea page": 0.65, "listing": 0.35},
}
# (kind, seconds between two, expected status): paced, not closed-loop, each from a client
# of its own, members in turn, ideas drawn with the readers' Zipf law.
WRITES = (("vote", 1, 200), ("follow", 10, 200), ("comment", 10, 201), ("new idea", 60, 302))
NEW_IDEAS = (
    "Des prises électriques à chaque rangée du train",
    "Un quai couvert pour attendre les correspondances",
    "Afficher l'affluence de chaque voiture avant l'arrivée",
    "Des consignes à vélo sécurisées en gare",
)


def zipf_weights(count: int) -> list[float]:
    return [1 / rank**ZIPF_EXPONENT for rank in range(1, count + 1)]


FIFTY_MATCHES = 50


def one_percent_term(facts: dict) -> dict:
    """The word of the French community's ideas whose search matches closest to 1 % of them."""
    return term_matching(facts, lambda ideas: ideas / 100)


def term_matching(facts: dict, target_of) -> dict:
    """The word of the French community's ideas whose search matches closest to
    `target_of(ideas in the community)` of them (among words of 4 letters or more matching
    half to twice that): its lexemes from ts_stat, each candidate checked with the query the
    search itself runs."""
    from django.db import connection

    from community.models import Community

    community = Community.objects.get(domain=facts["host"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ideas_idea WHERE community_id = %s", [community.pk])
        ideas = cursor.fetchone()[0]
        target = target_of(ideas)
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat(%s) WHERE ndoc BETWEEN %s AND %s AND word ~ '^[a-z]{4,}$'"
            " ORDER BY abs(ndoc - %s) LIMIT 20",
            [
                f"SELECT search_vector FROM ideas_idea WHERE community_id = {int(community.pk)}",  # noqa: S608 - an integer
                int(target / 2),
                int(target * 2),
                target,
            ],
        )
        candidates = cursor.fetchall()
        for word, _ndoc in candidates:
            cursor.execute(
                "SELECT count(*) FROM ideas_idea WHERE community_id = %s"
                " AND search_vector @@ websearch_to_tsquery('cluetrain_fr', %s)",
                [community.pk, word],
            )
            matches = cursor.fetchone()[0]
            if target / 2 <= matches <= target * 2:
                return {"term": word, "matches": matches, "ideas": ideas}
    raise RuntimeError(f"No word matches about {target:,.0f} of {ideas:,} ideas")


def mixed_facts(facts: dict) -> dict:
    """The pages the mixed scenarios read, chosen once from the database: the MIXED_IDEAS
    most voted public ideas (and which of them take votes), and every listing page (pages
    1 to the last one the page cache keeps, config.pagecache.MAX_PAGE) of each sort alone
    and with each status or category."""
    from django.contrib.auth.models import AnonymousUser

    from community.models import Community
    from config.pagecache import MAX_PAGE
    from ideas.models import Idea
    from ideas.selectors import PAGE_SIZE, SORTS, ListingFilters, ideas_for_listing

    community = Community.objects.get(domain=facts["host"])
    visitor = AnonymousUser()
    ideas = list(ideas_for_listing(community, visitor, ListingFilters(sort="top"))[:MIXED_IDEAS])
    closed = set(
        Idea.objects.filter(pk__in=[idea.pk for idea in ideas], status__is_closed=True).values_list("pk", flat=True)
    )
    filters: list[tuple[dict, dict]] = [({}, {})]
    filters += [({"status": status.slug}, {"status": status}) for status in community.statuses.all()]
    filters += [({"category": category.slug}, {"category": category}) for category in community.categories.all()]
    pages = {}
    for query, chosen in filters:
        listed = ideas_for_listing(community, visitor, ListingFilters(**chosen)).count()
        pages[tuple(query.items())] = min(MAX_PAGE, max(1, math.ceil(listed / PAGE_SIZE)))
    listings = [
        "/ideas/?" + urlencode({"sort": sort, **query} | ({"page": page} if page > 1 else {}))
        for page in range(1, MAX_PAGE + 1)
        for query, _chosen in filters
        for sort in SORTS
        if page <= pages[tuple(query.items())]
    ]
    return {
        "ideas": [(idea.pk, idea.get_absolute_url()) for idea in ideas],
        "votable": [idea.pk for idea in ideas if idea.pk not in closed],  # a closed status takes no votes
        "listings": listings,
        "categories": list(community.categories.values_list("pk", flat=True)),
    }


def mixed_readers(facts: dict, clients: list[Client], concurrency: int) -> list[dict]:
    """Closed-loop readers drawing their pages (READS, each page by its Zipf weight), a
    SIGNED_IN_SHARE of them as their client's member; each client its own seed."""
    host, mixed = facts["host"], facts["mixed"]
    paths = {"home": ["/"], "listing": mixed["listings"], "idea page": [url for _pk, url in mixed["ideas"]]}
    entries = []
    for number in range(concurrency):
        requests, kinds, weights = [], [], []
        for reader, shares in READS.items():
            headers = {"Accept": "text/html,application/xhtml+xml"}
            if reader == "signed-in":
                headers["Cookie"] = clients[number].cookie()
            share = SIGNED_IN_SHARE if reader == "signed-in" else 1 - SIGNED_IN_SHARE
            for page, page_share in shares.items():
                ranked = zipf_weights(len(paths[page]))
                total = sum(ranked)
                for path, weight in zip(paths[page], ranked, strict=True):
                    requests.append(_request("GET", path, host, headers))
                    kinds.append(f"{reader} {page}")
                    weights.append(share * page_share * weight / total)
        entries.append(
            {"requests": requests, "kinds": kinds, "weights": weights, "seed": MIXED_SEED + number, "expect": [200]}
        )
    return entries


def mixed_writers(facts: dict, clients: list[Client], seconds: float) -> list[dict]:
    """One paced client per kind of write (WRITES), its requests drawn once (MIXED_SEED):
    enough for `seconds`, each member in turn (every signed-in client), each idea by its
    Zipf weight (votes: among those open to votes, as only their pages have the button).
    Votes and follows are toggles (a second one withdraws the first); a new idea is the
    form a member posts, with a form key of its own (fresh at each run, as each rendering
    of the form draws one: a key used before would make it a resubmission)."""
    host, mixed = facts["host"], facts["mixed"]
    draws = random.Random(MIXED_SEED)  # noqa: S311 - a load pattern, not secrets
    entries = []
    for kind, interval, expect in WRITES:
        ideas = mixed["votable"] if kind == "vote" else [pk for pk, _url in mixed["ideas"]]
        cumulative = list(itertools.accumulate(zipf_weights(len(ideas))))
        requests = []
        for number in range(math.ceil(seconds / interval) + 1):
            client = clients[number % len(clients)]
            pk = draws.choices(ideas, cum_weights=cumulative)[0]
            headers = {"Cookie": client.cookie(), "X-CSRFToken": client.csrf, "Origin": f"http://{host}"}
            headers["Accept"] = "text/html,application/xhtml+xml" if kind == "new idea" else "application/json"
            if kind == "vote":
                path, fields = f"/ideas/{pk}/vote/", {"value": 1}
            elif kind == "follow":
                path, fields = f"/ideas/{pk}/follow/", {}
            elif kind == "comment":
                path, fields = f"/ideas/{pk}/comments/", {"body": COMMENT_TEXTS[number % len(COMMENT_TEXTS)]}
            else:
                path, fields = "/ideas/new/", new_idea_fields(number, mixed["categories"], draws)
            requests.append(_request("POST", path, host, headers, urlencode(fields)))
        entries.append({"requests": requests, "kinds": [kind], "interval": interval, "expect": [expect]})
    return entries


def new_idea_fields(number: int, categories: list[int], draws: random.Random) -> dict:
    title = NEW_IDEAS[number % len(NEW_IDEAS)]
    return {
        "title": f"{title} ({draws.randrange(10**6)})",
        "body": f"{title}, comme sur d'autres lignes : ce serait plus simple pour tout le monde.",
        "category": draws.choice(categories),
        "tags": "bench, quotidien",
        "form_key": secrets.token_urlsafe(24),
    }


def mixed_writes_made(facts: dict, since: datetime) -> str:
    """What the mixed scenario's writes left, since `since`: new ideas and comments by
    their moderation state (post-moderation keeps them public unless a rule holds them)."""
    from django.db.models import Count

    from ideas.models import Comment, Idea

    members = facts["clients"]
    parts = []
    for label, model in (("new ideas", Idea), ("comments", Comment)):
        states = (
            model.objects.filter(author__in=members, created_at__gte=since)
            .values_list("moderation_state")
            .annotate(count=Count("pk"))
            .order_by("moderation_state")
        )
        parts.append(f"{label}: " + (", ".join(f"{count} {state}" for state, count in states) or "none"))
    return "; ".join(parts)


# --- Processes and machine --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_by_pid(pids).values())


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each process still alive."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def machine_ticks() -> tuple[int, int]:
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def database_pids(name: str) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        return [row[0] for row in cursor.fetchall()]


def machine() -> dict[str, str]:
    import django
    import gunicorn
    from django.core.cache import cache
    from django.db import connection

    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    ram_kib = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split(" ")[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    redis_version = cache._cache.get_client().info("server").get("redis_version", "?")
    return {
        "cpus": str(len(os.sched_getaffinity(0))),
        "cpu_model": model,
        "ram": f"{ram_kib / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "postgres": f"{postgres} (shared_buffers {shared_buffers})",
        "redis": redis_version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
    }


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def workers(self) -> list[int]:
        return _children(self.process.pid)

    @property
    def pids(self) -> list[int]:
        return [self.process.pid, *self.workers]


def start_server(
    bench_url: str, redis_url: str, *, workers: int, worker_class: str, threads: int, access_log: bool
) -> Server:
    port = free_port()
    log = OUT / "pages-gunicorn.log"
    environment = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "ALLOWED_HOSTS": os.environ["ALLOWED_HOSTS"],
        "SECURE_SSL_REDIRECT": "false",
        # The API scenarios measure the work of a request, not the limiter's 429s (its
        # counting still runs on every request).
        "API_RATE_LIMIT_PER_KEY": "100000000",
        "API_RATE_LIMIT_PER_MEMBER": "100000000",
        "PYTHONPATH": str(ROOT),
    }
    command = [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    # No control socket: its default path is shared with any other gunicorn on the machine.
    command += ["--worker-class", worker_class, "--no-control-socket"]
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    if access_log:
        command += ["--access-logfile", str(OUT / "pages-access.log")]
    (OUT / "pages-access.log").unlink(missing_ok=True)
    with log.open("w") as output:  # gunicorn's and Django's logs (errors, tracebacks)
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn stopped at start: see {log}")
        try:
            status, _headers, _body = http_get(server, "/robots.txt", bench_data.HOSTS["fr"])
            if status == 200 and len(server.workers) >= workers:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    sys.exit(f"gunicorn did not answer within 30 s: see {log}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def http_get(server: Server, path: str, host: str, cookie: str = "") -> tuple[int, list[tuple[str, str]], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = {"Host": host} | ({"Cookie": cookie} if cookie else {})
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


# --- Signed-in clients ------------------------------------------------------------------


def sign_in(user_ids: list[int]) -> list[Client]:
    """A session per member, made as `django.contrib.auth.login` makes it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    users = {user.pk: user for user in User.objects.filter(pk__in=user_ids)}
    clients = []
    for user_id in user_ids:
        user = users[user_id]
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        clients.append(Client(user_id, store.session_key))
    return clients


def fetch_csrf(server: Server, clients: list[Client], facts: dict) -> None:
    """The CSRF cookie each client's browser would get from the idea page."""
    path = scenario_paths(facts)["idea page"]
    for client in clients:
        status, headers, _body = http_get(server, path, facts["host"], client.cookie())
        cookies = [value for name, value in headers if name.lower() == "set-cookie" and value.startswith("csrftoken=")]
        if status != 200 or not cookies:
            sys.exit(f"Could not get a CSRF cookie for member {client.user_id} (HTTP {status}) from {path}")
        client.csrf = cookies[0].split(";", 1)[0].split("=", 1)[1]


# --- Measuring --------------------------------------------------------------------------


@dataclass
class Result:
    scenario: Scenario
    requests: int
    seconds: float
    errors: int
    p50: float
    p95: float
    p99: float
    statuses: dict
    samples: list[str]
    client_cpu: float
    app_cpu: float
    db_cpu: float
    busy: float
    others: float  # CPU share of the machine used by other processes (Redis, other jobs)
    queries: int | None = None
    redis_commands: int | None = None
    profile: list[tuple[str, float]] = field(default_factory=list)
    kinds: dict[str, dict] = field(default_factory=dict)  # bench.load's figures per kind of request
    writes_made: str = ""  # mixed: what the writes left (mixed_writes_made)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def run_scenario(
    scenario: Scenario,
    server: Server,
    facts: dict,
    clients: list[Client],
    args: argparse.Namespace,
    database: str,
    profile: bool,
) -> Result:
    warmup = args.mixed_warmup if scenario.kind == "mixed" else args.warmup
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "warmup": warmup,
        "duration": args.duration,
        "per_connection": args.per_connection,
        "clients": client_requests(scenario, facts, clients, args.concurrency, warmup + args.duration),
    }
    load = subprocess.Popen(
        [sys.executable, "-m", "bench.load"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    load.stdin.write(json.dumps(spec))
    load.stdin.close()
    if load.stdout.readline().strip() != "measuring":
        sys.exit("The load generator failed; see above.")
    workers = server.workers
    backends = database_pids(database)
    app_before, db_before, machine_before = cpu_seconds(server.pids), cpu_by_pid(backends), machine_ticks()
    profilers = start_profilers(workers, scenario, args.duration) if profile else []
    if load.stdout.readline().strip() != "done":
        sys.exit("The load generator failed; see above.")
    app_cpu = cpu_seconds(server.pids) - app_before
    # Backends come and go (CONN_MAX_AGE): one opened meanwhile counts from 0, one closed
    # meanwhile is left out (a slight undercount).
    db_after = cpu_by_pid(sorted(set(backends) | set(database_pids(database))))
    db_cpu = sum(seconds - db_before.get(pid, 0.0) for pid, seconds in db_after.items())
    machine_after = machine_ticks()
    outcome = json.loads(load.stdout.readline())
    load.wait()
    shares = summarize_profile(stop_profilers(profilers), scenario) if profilers else []
    busy = (machine_after[0] - machine_before[0]) / max(machine_after[1] - machine_before[1], 1)
    cores = len(os.sched_getaffinity(0))
    machine_cpu = (machine_after[0] - machine_before[0]) / os.sysconf("SC_CLK_TCK")
    others = max(0.0, machine_cpu - app_cpu - db_cpu - outcome["client_cpu"]) / (cores * outcome["seconds"])
    return Result(
        scenario=scenario,
        requests=outcome["requests"],
        seconds=outcome["seconds"],
        errors=outcome["errors"],
        p50=outcome["p50"],
        p95=outcome["p95"],
        p99=outcome["p99"],
        statuses=outcome["statuses"],
        samples=outcome["error_samples"],
        client_cpu=outcome["client_cpu"],
        app_cpu=app_cpu,
        db_cpu=db_cpu,
        busy=busy,
        others=others,
        profile=shares,
        kinds=outcome["kinds"],
    )


def count_queries(results: list[Result], facts: dict, clients: list[Client]) -> None:
    """Queries and Redis round trips of one request per scenario, in this process, cache
    warm: the second of two requests counts (two votes cast on two spare ideas; two
    comments on a third)."""
    import redis.client
    from django.contrib.auth import get_user_model
    from django.test import Client as TestClient

    round_trips = [0]

    def counted(original):
        def call(*args, **kwargs):
            round_trips[0] += 1
            return original(*args, **kwargs)

        return call

    patched = {"execute_command": redis.client.Redis.execute_command, "execute": redis.client.Pipeline.execute}
    redis.client.Redis.execute_command = counted(patched["execute_command"])
    redis.client.Pipeline.execute = counted(patched["execute"])
    paths = scenario_paths(facts) | {"api key": facts.get("api_key", "")}
    member = get_user_model().objects.get(pk=clients[0].user_id)
    spare = facts["takers"][:SPARE_IDEAS]
    try:
        for result in results:
            scenario = result.scenario
            if scenario.kind == "mixed":
                continue  # many pages: their single-page scenarios count them
            browser = TestClient(HTTP_HOST=facts["host"])
            if scenario.signed_in:
                browser.force_login(member)
            for attempt in range(2):
                round_trips[0] = 0
                try:
                    queries = _one_request(scenario, browser, paths, spare, attempt)
                except Exception as error:  # a page that fails under load fails here too: say so, go on
                    print(f"  ! {scenario.name}: {type(error).__name__}: {error} when counting queries")
                    break
            else:
                result.queries, result.redis_commands = queries, round_trips[0]
    finally:
        redis.client.Redis.execute_command = patched["execute_command"]
        redis.client.Pipeline.execute = patched["execute"]


def _one_request(scenario: Scenario, browser, paths: dict[str, str], spare: list[int], attempt: int) -> int:
    """Send the scenario's request with Django's test client; the number of queries it made."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        if scenario.kind == "vote":
            response = browser.post(f"/ideas/{spare[attempt]}/vote/", {"value": 1}, HTTP_ACCEPT="application/json")
        elif scenario.kind == "comment":
            response = browser.post(
                f"/ideas/{spare[2]}/comments/", {"body": COMMENT_TEXTS[0]}, HTTP_ACCEPT="application/json"
            )
        else:
            accept = "application/json" if scenario.kind in ("json", "api") else "text/html"
            key = {"HTTP_AUTHORIZATION": f"Bearer {paths['api key']}"} if scenario.kind == "api" else {}
            response = browser.get(paths[_base(scenario)], HTTP_ACCEPT=accept, **key)
    if response.status_code != scenario.expect:
        print(f"  ! {scenario.name}: HTTP {response.status_code} when counting queries")
    return len(queries)


# --- Profiling --------------------------------------------------------------------------

PROFILE_BUCKETS = [
    ("request threads' time in a request (the rest: waiting for one)", "django/core/handlers/wsgi.py", "__call__"),
    ("  PostgreSQL: executing queries (waiting included)", "django/db/backends/utils.py", "_execute"),
    ("  PostgreSQL: connecting", "django/db/backends/base/base.py", "connect"),
    ("  PostgreSQL: committing", "django/db/backends/base/base.py", "commit"),
    ("  ORM: compiling SQL", "django/db/models/sql/compiler.py", "as_sql"),
    ("  ORM: building model instances", "django/db/models/base.py", "from_db"),
    ("  templates: rendering (and the queries they run)", "django/template/base.py", "render"),
    ("  Redis cache (round trips included)", "django/core/cache/backends/redis.py", ""),
    ("  community lookup (CommunityMiddleware)", "community/selectors.py", "community_for_host"),
    ("  session and user loading", "django/contrib/auth/middleware.py", ""),
    ("  Markdown rendering", "ideas/rendering.py", "render_markdown"),
    ("  queuing Celery tasks (Redis)", "celery/app/task.py", "apply_async"),
    ("  translations (gettext)", "django/utils/translation/trans_real.py", "gettext"),
    ("  URL reversing", "django/urls/base.py", "reverse"),
    ("  access log", "gunicorn/glogging.py", "access"),
]


def start_profilers(workers: list[int], scenario: Scenario, duration: float) -> list[tuple[subprocess.Popen, Path]]:
    py_spy = shutil.which("py-spy") or str(BIN / "py-spy")
    if not Path(py_spy).exists():
        sys.exit("--profile needs py-spy: .venv/bin/pip install py-spy")
    profilers = []
    for pid in workers:
        output = OUT / f"pages-profile-{SLUGS[scenario.name]}-{pid}.txt"
        # --idle: waiting on PostgreSQL or Redis is part of a request's time too.
        command = [py_spy, "record", "--pid", str(pid), "--rate", "200", "--format", "raw", "--nolineno", "--idle"]
        command += ["--output", str(output)]
        command += ["--duration", str(math.ceil(duration))]
        log = (OUT / f"pages-py-spy-{pid}.log").open("w")
        profilers.append((subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT), output))  # noqa: S603
    return profilers


def stop_profilers(profilers: list[tuple[subprocess.Popen, Path]]) -> list[Path]:
    for process, _output in profilers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    return [output for _process, output in profilers if output.exists()]


def _frame_matches(frame: str, file_part: str, function: str) -> bool:
    if file_part not in frame:
        return False
    return not function or frame.startswith(f"{function} (") or f".{function} (" in frame


PROJECT_PACKAGES = {path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()}


def _is_ours(frame: str) -> bool:
    """A py-spy frame, "function (path)", in the project's code (paths are relative to
    sys.path), middleware and decorators left out (every request passes through them)."""
    function, _, path = frame.rpartition(" (")
    if function.endswith(("__call__", "wrapper")):
        return False
    return path.rstrip(")").split("/", 1)[0] in PROJECT_PACKAGES


def summarize_profile(paths: list[Path], scenario: Scenario) -> list[tuple[str, float]]:
    """Shares of the samples taken while a thread handled a request (wall time: waits
    included; inclusive), and the project's functions that take most of them; the full
    listing goes to var/bench/."""
    buckets: collections.Counter[str] = collections.Counter()
    ours: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    total = handling = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            frames = stack.split(";")
            if "(gunicorn/workers/gthread.py)" in stack and "(concurrent/futures/thread.py)" not in stack:
                continue  # a gthread worker's main thread: it accepts connections, handles none
            total += count
            if not any(_frame_matches(frame, *PROFILE_BUCKETS[0][1:]) for frame in frames):
                continue
            handling += count
            for label, file_part, function in PROFILE_BUCKETS[1:]:
                if any(_frame_matches(frame, file_part, function) for frame in frames):
                    buckets[label] += count
            for name in dict.fromkeys(frame for frame in frames if _is_ours(frame)):
                ours[name] += count
            leaves[frames[-1]] += count
    if not handling:
        return []
    shares = [(PROFILE_BUCKETS[0][0], 100 * handling / total)]
    shares += [(label, 100 * buckets[label] / handling) for label, _file, _function in PROFILE_BUCKETS[1:]]
    lines = [f"{share:5.1f} %  {label}" for label, share in shares]
    lines += ["", "The project's functions (inclusive, share of request handling):"]
    lines += [f"{100 * count / handling:5.1f} %  {name}" for name, count in ours.most_common(25)]
    lines += ["", "Where the samples end (own time):"]
    lines += [f"{100 * count / handling:5.1f} %  {name}" for name, count in leaves.most_common(25)]
    (OUT / f"pages-profile-{SLUGS[scenario.name]}.summary.txt").write_text("\n".join(lines) + "\n")
    return shares + [(f"    {name}", 100 * count / handling) for name, count in ours.most_common(8)]


# --- Report -----------------------------------------------------------------------------


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1f}"


def table(results: list[Result]) -> str:
    baseline = next((result.rate for result in results if result.scenario.name == "baseline"), None)
    head = (
        "| scenario | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | errors | × baseline | queries "
        "| Redis round trips | app CPU ms/req | DB CPU ms/req | client CPU | machine busy | others' CPU |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for result in results:
        ratio = f"{result.rate / baseline:.0%}" if baseline else "—"
        per = max(result.requests, 1)
        lines.append(
            f"| {result.scenario.name} | {result.rate:,.0f} | {_ms(result.p50)} | {_ms(result.p95)} "
            f"| {_ms(result.p99)} | {result.errors} | {ratio} "
            f"| {'—' if result.queries is None else result.queries} "
            f"| {'—' if result.redis_commands is None else result.redis_commands} "
            f"| {1000 * result.app_cpu / per:.2f} | {1000 * result.db_cpu / per:.2f} "
            f"| {result.client_cpu / result.seconds:.0%} | {result.busy:.0%} | {result.others:.0%} |"
        )
    return "\n".join(lines)


def mixed_table(results: list[Result]) -> str:
    """The mixed scenarios per kind of request, with writes beside read only; then the
    visitors' throughput with writes as a share of read only (issue 18's goal: 70 %), the
    baseline of the same run, CPU per request (of the whole run: process CPU times do not
    tell the kinds apart) and what the writes left."""
    by_name = {result.scenario.name: result for result in results}
    mixed, alone = by_name.get("mixed"), by_name.get("mixed, read only")
    if mixed is None and alone is None:
        return ""
    readers = [f"{reader} {page}" for reader, shares in READS.items() for page in shares]
    writes = [kind for kind, _interval, _expect in WRITES]

    def cells(run: Result | None, kind: str) -> str:
        figures = run.kinds.get(kind) if run else None
        if not figures:
            return "| — | — | — | — | — "
        return (
            f"| {figures['requests']:,} | {figures['requests'] / run.seconds:,.1f} | {_ms(figures['p50'])} "
            f"| {_ms(figures['p95'])} | {figures['errors']} "
        )

    def rate(run: Result | None, prefix: str | tuple[str, ...]) -> float:
        if run is None:
            return float("nan")
        return sum(figures["requests"] for kind, figures in run.kinds.items() if kind.startswith(prefix)) / run.seconds

    def share(prefix: str | tuple[str, ...]) -> str:
        with_writes, read_only = rate(mixed, prefix), rate(alone, prefix)
        return f"{with_writes / read_only:.0%}" if read_only and not math.isnan(with_writes) else "—"

    def cpu(run: Result | None) -> str:
        if run is None:
            return "—"
        per = max(run.requests, 1)
        return f"app {1000 * run.app_cpu / per:.2f} ms, DB {1000 * run.db_cpu / per:.2f} ms"

    head = (
        "| request | with writes: requests | requests/s | p50 (ms) | p95 (ms) | errors "
        "| read only: requests | requests/s | p50 (ms) | p95 (ms) | errors | requests/s with writes ÷ read only |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    lines += [f"| {kind} {cells(mixed, kind)}{cells(alone, kind)}| {share(kind)} |" for kind in readers]
    lines += [f"| {kind} {cells(mixed, kind)}{cells(None, kind)}| — |" for kind in writes]
    baseline = by_name.get("baseline")
    lines += [
        "",
        f"Visitors' pages: {rate(mixed, 'visitor'):,.1f}/s with writes, {rate(alone, 'visitor'):,.1f}/s read only: "
        f"**{share('visitor')}** (goal: at least 70 %); all readers' pages {share(tuple(READS))}"
        + (f"; the baseline of the same run: {baseline.rate:,.0f}/s" if baseline else "")
        + f". CPU per request over the whole run, every kind together: with writes {cpu(mixed)}; "
        f"read only {cpu(alone)}."
        + (f" What the writes left (warm-up included): {mixed.writes_made}." if mixed and mixed.writes_made else ""),
    ]
    return "\n".join(lines)


def growth_table(small: tuple[dict, list[Result]], large: tuple[dict, list[Result]]) -> str:
    (small_facts, small_results), (large_facts, large_results) = small, large
    small_ideas, large_ideas = small_facts["sizes"]["ideas"], large_facts["sizes"]["ideas"]
    head = (
        f"| scenario | p50 at {small_ideas:,} ideas (ms) | p50 at {large_ideas:,} (ms) | p50 growth "
        f"| requests/s at {small_ideas:,} | requests/s at {large_ideas:,} |"
    )
    lines = [head, "|---|---|---|---|---|---|"]
    by_name = {result.scenario.name: result for result in small_results}
    for result in large_results:
        before = by_name.get(result.scenario.name)
        if before is None:
            continue
        growth = result.p50 / before.p50 if before.p50 else float("nan")
        lines.append(
            f"| {result.scenario.name} | {_ms(before.p50)} | {_ms(result.p50)} | ×{growth:.2f} "
            f"| {before.rate:,.0f} | {result.rate:,.0f} |"
        )
    return "\n".join(lines)


def describe(facts: dict) -> str:
    rows = facts["rows"]
    return (
        f"{rows['ideas']:,} ideas, {rows['votes']:,} votes, {rows['comments']:,} comments, "
        f"{rows['follows']:,} follows, {rows['members']:,} members, {rows['responses']:,} official responses "
        f"({facts['database_mb']:,} MB; built in {facts['seconds']:.0f} s); list: status `{facts['list_status']}` "
        f"({facts['list_status_ideas']:,} ideas in the community); search: `{facts['selective']['term']}` "
        f"({facts['selective']['matches']} matches), `{facts['broad']['term']}` "
        f"({facts['broad']['matches']:,} matches)"
        + (
            f", `{facts['one_percent']['term']}` ({facts['one_percent']['matches']:,} of "
            f"{facts['one_percent']['ideas']:,} ideas)"
            if "one_percent" in facts
            else ""
        )
        + (
            f", `{facts['fifty_matches']['term']}` ({facts['fifty_matches']['matches']:,} of "
            f"{facts['fifty_matches']['ideas']:,} ideas)"
            if "fifty_matches" in facts
            else ""
        )
        + f"; similar: “{facts['similar_title']}”"
    )


def write_docs(entry: str) -> None:
    """Append the entry at the end of the "Pages under load" section (created if missing)."""
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    lines = text.rstrip("\n").split("\n")
    try:
        start = lines.index(SECTION)
    except ValueError:
        lines += ["", SECTION]
        start = len(lines) - 1
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = ["", *entry.rstrip("\n").split("\n")]
    DOCS.write_text("\n".join(lines) + "\n")


# --- Main -------------------------------------------------------------------------------


def ensure_data(args: argparse.Namespace, database_url: str, bench_url: str, sizes: bench_data.Sizes) -> dict:
    from django.db import connections

    existing = bench_data.facts(bench_url)
    if args.reuse and existing and existing["sizes"] == asdict(sizes):
        print(f"Reusing {urlsplit(bench_url).path.lstrip('/')} (built {existing['built_at']})")
        return existing
    connections.close_all()
    command = [sys.executable, "-m", "bench.data", "--ideas", str(sizes.ideas), "--votes", str(sizes.votes)]
    command += ["--comments", str(sizes.comments), "--members", str(sizes.members)]
    command += ["--database", urlsplit(bench_url).path.lstrip("/"), "--clients", str(max(args.concurrency, 32))]
    subprocess.run(command, cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url}, check=True)  # noqa: S603
    return bench_data.facts(bench_url)


def api_facts(facts: dict, user_id: int) -> dict:
    """A read key of the first client's for the API scenarios, and the cursor after the
    listing's first 49 pages (the API's "page 50", beside the HTML list's `page=50`)."""
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from api.cursor import cursor_encode
    from api.keys import api_key_create
    from community.models import Community
    from ideas.selectors import ListingFilters, ideas_for_listing

    # This process counts each scenario's queries (count_queries): no 429 there either.
    settings.API_RATE_LIMIT_PER_KEY = settings.API_RATE_LIMIT_PER_MEMBER = 100_000_000
    community = Community.objects.get(domain=facts["host"])
    key = api_key_create(community=community, name="bench", scopes=["read"], created_by=User.objects.get(pk=user_id))
    status = community.statuses.get(slug=facts["list_status"])
    listing = ideas_for_listing(community, AnonymousUser(), ListingFilters(sort="top", status=status))
    last = listing.select_related("stats")[49 * 20 - 1 : 49 * 20].get()
    return {"api_key": key.secret, "api_cursor": cursor_encode("top", last)}


def flush_redis(redis_url: str) -> None:
    """Empty the broker's database and the cache's (the next one, or CACHE_REDIS_URL's)."""
    import redis
    from django.conf import settings

    for url in dict.fromkeys([redis_url, settings.CACHE_REDIS_URL]):
        redis.Redis.from_url(url).flushdb()


def similar_cold(server: Server, facts: dict) -> dict[str, list[float]]:
    """Milliseconds of each typed title's first request, its terms' document frequencies
    not cached yet (they are counted: one more query), then of the same titles again, one
    request at a time. Each worker has answered a few titles before (its thesaurus loaded)."""
    for number in range(2 * len(server.workers) + 2):
        http_get(server, similar_path(f"Zzyzx{number} quuxplatz{number}"), facts["host"])
    timings: dict[str, list[float]] = {"cold": [], "warm": []}
    titles = similar_titles(None)
    for label in ("cold", "warm"):
        for title in titles:
            started = time.perf_counter()
            status, _headers, _body = http_get(server, similar_path(title), facts["host"])
            timings[label].append(1000 * (time.perf_counter() - started))
            if status != 200:
                print(f"  ! similar: HTTP {status} for {title!r}")
    return timings


def _cold_line(timings: dict[str, list[float]]) -> str:
    def spread(values: list[float]) -> str:
        ordered = sorted(values)
        return f"p50 {ordered[len(ordered) // 2]:.1f} ms, max {ordered[-1]:.1f} ms"

    return (
        f"Similar, one request at a time over the {len(timings['cold'])} typed titles of the similar scenarios: "
        f"first request of each (document frequencies counted) {spread(timings['cold'])}; "
        f"the same again (cached) {spread(timings['warm'])}."
    )


def run_size(
    args: argparse.Namespace, database_url: str, bench_url: str, redis_url: str, sizes: bench_data.Sizes
) -> tuple[dict, list[Result], dict]:
    facts = ensure_data(args, database_url, bench_url, sizes)
    flush_redis(redis_url)
    # Every bench member: the first `--concurrency` are the readers', the others write in turn.
    clients = sign_in(facts["clients"])
    facts |= api_facts(facts, clients[0].user_id)
    wanted = set(args.scenarios.split(",")) if args.scenarios else None
    if wanted and "mixed" in wanted:
        wanted |= {"baseline", "mixed-read-only"}  # what its figures are compared with
    if not wanted or "mixed-read-only" in wanted:
        facts["mixed"] = mixed_facts(facts)
    if not wanted or "search-one-percent" in wanted:
        facts["one_percent"] = one_percent_term(facts)
        chosen = facts["one_percent"]
        print(f"  search, one percent: '{chosen['term']}' matches {chosen['matches']:,} of {chosen['ideas']:,} ideas")
    if not wanted or "search-fifty-matches" in wanted:
        facts["fifty_matches"] = term_matching(facts, lambda ideas: FIFTY_MATCHES)
        chosen = facts["fifty_matches"]
        print(f"  search, fifty matches: '{chosen['term']}' matches {chosen['matches']:,} of {chosen['ideas']:,} ideas")
    load_before = os.getloadavg()
    server = start_server(
        bench_url,
        redis_url,
        workers=args.workers,
        worker_class=args.worker_class,
        threads=args.threads,
        access_log=not args.no_access_log,
    )
    results = []
    cold = None
    try:
        fetch_csrf(server, clients, facts)
        if not wanted or any(SLUGS[name] in wanted for name in ("similar", *SIMILAR_KINDS)):
            cold = similar_cold(server, facts)
            print(f"  {_cold_line(cold)}", flush=True)
        profiled = set(args.profile.split(",")) if args.profile else set()
        for scenario in SCENARIOS:
            if wanted and SLUGS[scenario.name] not in wanted:
                continue
            profile = bool(profiled & {"all", SLUGS[scenario.name]})
            print(f"  {scenario.name} ...", end="", flush=True)
            if scenario.kind == "mixed":
                flush_redis(redis_url)  # both mixed scenarios start from the same empty cache
            started = datetime.now(UTC)
            result = run_scenario(scenario, server, facts, clients, args, urlsplit(bench_url).path.lstrip("/"), profile)
            if scenario.writes:
                result.writes_made = mixed_writes_made(facts, started)
            print(
                f" {result.rate:,.0f}/s, p50 {_ms(result.p50)} ms, p95 {_ms(result.p95)} ms, "
                f"{result.errors} errors{' ' + repr(result.samples[:2]) if result.samples else ''}",
                flush=True,
            )
            results.append(result)
    finally:
        stop_server(server)
    count_queries(results, facts, clients)
    flush_redis(redis_url)  # the tasks the comments queued, and the cache
    log = server.log.read_text(errors="replace") if server.log.exists() else ""
    context = {
        "load": (load_before[0], os.getloadavg()[0]),
        "tracebacks": log.count("Traceback"),
        "similar_cold": cold,
    }
    return facts, results, context


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideas", type=int, default=bench_data.Sizes.ideas)
    parser.add_argument("--votes", type=int, help="default: 10 per idea")
    parser.add_argument("--comments", type=int, help="default: 3 per idea")
    parser.add_argument("--members", type=int, help="default: one per 5 ideas")
    parser.add_argument("--duration", type=float, default=20, help="measured seconds per scenario (default 20)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before measuring (default 3)")
    parser.add_argument(
        "--mixed-warmup",
        type=float,
        default=20,
        help="seconds before measuring the mixed scenarios, each started with the cache emptied (default 20): "
        "long enough for the read-only one to have its popular pages cached",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="simultaneous clients (default 8)")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)), help="default: one per core")
    parser.add_argument("--worker-class", choices=["gthread", "sync"], default="gthread")
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker (default 2)")
    parser.add_argument(
        "--per-connection",
        type=int,
        default=10,
        help="requests per keep-alive connection before the client opens a new one (default 10; 0: never): "
        "with a few long-lived connections, whichever worker accepted more of them is the bottleneck",
    )
    parser.add_argument("--no-access-log", action="store_true", help="production logs every request; this does not")
    parser.add_argument(
        "--scenarios", help=f"comma-separated, among: {', '.join(SLUGS.values())} (default: all)", metavar="NAMES"
    )
    parser.add_argument("--scaling", action="store_true", help="run at 10,000 then 100,000 ideas; report p50 growth")
    parser.add_argument("--profile", help="scenarios to sample with py-spy (as --scenarios, or all)", metavar="NAMES")
    parser.add_argument("--reuse", action="store_true", help="keep the bench database if it has the asked size")
    parser.add_argument("--database", help="the bench database's name (default: DATABASE_URL's + _bench)")
    parser.add_argument("--no-docs", action="store_true", help="do not append the figures to docs/benchmarks.md")
    args = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if urlsplit(database_url).scheme not in ("postgres", "postgresql", "pgsql") or not redis_url:
        sys.exit("Set DATABASE_URL (postgres://...) and REDIS_URL (redis://host:port/db, a database of its own).")
    bench_url = bench_data.bench_database_url(database_url, args.database)
    if urlsplit(bench_url).path == urlsplit(database_url).path:
        sys.exit("The bench database must not be DATABASE_URL's own: it is dropped at every build.")
    if args.scaling:
        plan = [bench_data.Sizes.scaled(10_000), bench_data.Sizes.scaled(100_000)]
    else:
        scaled = bench_data.Sizes.scaled(args.ideas)
        plan = [
            bench_data.Sizes(
                args.ideas,
                args.votes if args.votes is not None else scaled.votes,
                args.comments if args.comments is not None else scaled.comments,
                args.members if args.members is not None else scaled.members,
            )
        ]
    OUT.mkdir(parents=True, exist_ok=True)
    bench_data.setup_django(bench_url, redis_url=redis_url)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # WhiteNoise's manifest, as in production
    facts_machine = None
    runs = []
    for sizes in plan:
        print(f"== {sizes.ideas:,} ideas", flush=True)
        facts, results, context = run_size(args, database_url, bench_url, redis_url, sizes)
        facts_machine = facts_machine or machine()
        runs.append((facts, results, context))
        print()
        print(table(results))
        print()
        if mixed_table(results):
            print(mixed_table(results))
            print()

    worker = f"`--worker-class {args.worker_class}" + (
        f" --threads {args.threads}`" if args.worker_class == "gthread" else "`"
    )
    command = (
        f"DATABASE_URL={redacted(database_url)} REDIS_URL={redacted(redis_url)} "
        + (f"CACHE_REDIS_URL={redacted(os.environ['CACHE_REDIS_URL'])} " if os.environ.get("CACHE_REDIS_URL") else "")
        + f".venv/bin/python -m bench.run {shlex.join(sys.argv[1:] if argv is None else argv)}"
    ).rstrip()
    m = facts_machine
    sizes_run = [f"{facts['sizes']['ideas']:,}" for facts, _results, _context in runs]
    title = f"scaling from {' to '.join(sizes_run)} ideas" if len(runs) > 1 else f"{sizes_run[0]} ideas"
    entry = [
        f"### {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}: {title}",
        "",
        f"- Command: `{command}`",
        f"- Server: gunicorn {m['gunicorn']}, {args.workers} workers {worker}, access log "
        f"{'off' if args.no_access_log else 'on'}; concurrency {args.concurrency}, {args.warmup:g} s warm-up "
        f"({args.mixed_warmup:g} s for the mixed scenarios) then "
        f"{args.duration:g} s per scenario; keep-alive connections from one asyncio process, "
        + (f"a new one every {args.per_connection} requests" if args.per_connection else "kept for the whole scenario"),
        f"- Code: {code_version()}",
        f"- Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['ram']} RAM, kernel {m['kernel']}; PostgreSQL "
        f"{m['postgres']}, Redis {m['redis']}, Python {m['python']}, Django {m['django']}; PostgreSQL, Redis, "
        "gunicorn and the load generator share the machine",
    ]
    for facts, results, context in runs:
        entry += [
            "",
            f"**{facts['sizes']['ideas']:,} ideas.** Data: {describe(facts)}. Load average (1 min) before / after: "
            f"{context['load'][0]:.2f} / {context['load'][1]:.2f}; tracebacks in gunicorn's log: "
            f"{context['tracebacks']}.",
            "",
            table(results),
        ]
        if mixed_table(results):
            entry += ["", mixed_table(results)]
        if context["similar_cold"]:
            entry += ["", _cold_line(context["similar_cold"])]
    if len(runs) == 2:
        entry += ["", growth_table((runs[0][0], runs[0][1]), (runs[1][0], runs[1][1]))]
    for _facts, results, _context in runs:
        for result in results:
            if result.profile:
                entry += ["", f"Profile of “{result.scenario.name}” (py-spy, shares of request handling):", ""]
                entry += [f"    {share:5.1f} %  {label}" for label, share in result.profile]
    if len(runs) == 2:
        print(growth_table((runs[0][0], runs[0][1]), (runs[1][0], runs[1][1])))
    for _facts, results, _context in runs:
        for result in results:
            if result.profile:
                print(f"\nProfile of {result.scenario.name} (full listing in {OUT}):")
                for label, share in result.profile:
                    print(f"  {share:5.1f} %  {label}")
    if not args.no_docs:
        write_docs("\n".join(entry))
        print(f"\nAppended to {DOCS.relative_to(ROOT)} under “{SECTION[3:]}”.")


if __name__ == "__main__":
    main()
