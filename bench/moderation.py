"""Moderation throughput and latency, on real Celery workers over Redis and PostgreSQL.

    DATABASE_URL=postgres://root@127.0.0.1:5432/cluetrain REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python -m bench.moderation --items 2000 --workers 1

What it does:

1. Works in a database of its own, named after DATABASE_URL's with `_bench` added
   (`cluetrain` -> `cluetrain_bench`; `--database` to choose), dropped, created and
   migrated at every run: the schema is exactly what the migrations make now.
   DATABASE_URL's own database is never touched. REDIS_URL is the broker; the bench purges
   its `moderation` queue and refuses to run if another worker listens on it (it would
   steal the tasks). Logs, profiles and the --worker-setting module go to var/bench/.
2. Creates a pre-moderation community, members (4 posts each at most, so the posting-rate
   rule does not trip) and ideas through `ideas.services.idea_create`, as a member's post
   does, except that nothing is queued yet (the setup is not what is measured). One post in
   20 carries too many links and is held for a human; the others are approved. The external
   spam checker is off (its HTTP round trip would dominate everything else). A check decides
   its own item with other pending ones (a batch), so the items wait as `held` until their
   phase publishes them, and only then become `pending`.
3. Starts W worker processes, as in production but on the moderation queue alone:
   `celery -A config worker -Q moderation --pool solo --concurrency 1` each (`--pool
   prefork` starts one worker with W child processes instead). Solo workers make "per
   worker process" exact: one process, one task at a time, no parent process relaying
   tasks over pipes.
4. Phases, each on fresh items, each item's check published with `enqueue_check` (what
   the post's on_commit does):
   - backlog: every item published at once; throughput = items / (last decision - first
     publication): the capacity of the workers;
   - paced at R items/s (default: the goal, 200 per worker process; plus 70 % of the
     measured capacity when that is below the goal): each item's `enqueued_at` is set as
     it is published; submit-to-decision = its automatic `ModerationDecision.created_at -
     enqueued_at` (a held item has no `decided_at`, but every outcome has its decision).
5. Prints a table and appends it, with the machine and the command, under "Moderation" in
   docs/benchmarks.md (`--no-docs` to skip). `--profile` samples the workers with py-spy
   during the backlog phase (pip install py-spy) and prints where the time goes.
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import platform
import random
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
OUT = ROOT / "var" / "bench"
GOAL_PER_WORKER = 200  # items/s per worker process (PRODUCT goal)
GOAL_P95 = 1.0  # seconds, submit to decision, at that rate
POSTS_PER_AUTHOR = 4

VOCABULARY = (
    "train gare quai wagon siège prise wifi horaire retard billet contrôleur vélo casier "
    "accessibilité ascenseur escalator information écran annonce sonore café voiture bar "
    "silence famille bagage porte climatisation chauffage propreté toilettes application "
    "réservation correspondance navette parking tarif abonnement week-end nuit confort"
)
WORDS = VOCABULARY.split()


# --- Environment and database -----------------------------------------------------------


def _require_env() -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if urlsplit(database_url).scheme not in ("postgres", "postgresql", "pgsql") or not redis_url:
        sys.exit("Set DATABASE_URL (postgres://...) and REDIS_URL (redis://host:port/db): see the module docstring.")
    return database_url, redis_url


def bench_database_url(database_url: str, name: str | None) -> str:
    parts = urlsplit(database_url)
    name = name or f"{parts.path.lstrip('/') or 'cluetrain'}_bench"
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(url: str) -> None:
    """Drop and create the bench database: a schema exactly as the migrations make it now."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def code_version() -> str:
    """The commit measured, and the files changed on top of it (read-only git calls)."""
    git = shutil.which("git")
    if git is None:
        return "unknown (no git)"
    try:
        head = subprocess.run(  # noqa: S603
            [git, "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(  # noqa: S603
            [git, "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    changed = sorted(line[3:] for line in status if line.strip())
    return f"{head}" + (f" + uncommitted changes in {', '.join(changed)}" if changed else "")


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


# --- The machine ------------------------------------------------------------------------


def machine() -> dict[str, str]:
    from django.db import connection

    from config.celery import app

    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    ram_kib = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    with app.connection_for_write() as broker:
        redis_version = broker.default_channel.client.info("server").get("redis_version", "?")
    import celery

    return {
        "cpus": str(len(os.sched_getaffinity(0))),
        "cpu_model": model,
        "ram": f"{ram_kib / 1024 / 1024:.1f} GiB",
        "postgres": postgres,
        "redis": redis_version,
        "python": platform.python_version(),
        "celery": celery.__version__,
        "kernel": platform.release(),
    }


class CpuMeter:
    """Machine-wide busy share (/proc/stat) and CPU seconds of some processes (/proc/<pid>/stat)."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.start_machine = self._machine()
        self.start_procs = self._procs()

    @staticmethod
    def _machine() -> tuple[int, int]:
        fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, sum(fields)

    def _procs(self) -> float:
        total = 0
        for pid in _with_descendants(self.pids):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            total += int(stat[11]) + int(stat[12])  # utime, stime
        return total / self.TICKS

    def stop(self) -> tuple[float, float]:
        """(machine busy share, CPU seconds used by the processes) since the start."""
        busy, total = self._machine()
        share = (busy - self.start_machine[0]) / max(total - self.start_machine[1], 1)
        return share, self._procs() - self.start_procs


def _with_descendants(pids: list[int]) -> list[int]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            children[parent].append(int(entry.name))
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


# --- Data -------------------------------------------------------------------------------


def prepare(total: int, seed: int) -> list[int]:
    """A pre-moderation community and `total` ideas with their pending items; item ids."""
    from django.core.management import call_command
    from django.db import transaction

    from accounts.models import User
    from community.models import ModerationItem, ModerationMode
    from community.models.moderation import ItemState
    from community.moderation import services as moderation_services
    from community.services import community_create
    from ideas.services import idea_create

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    community = community_create(
        name="Bench", slug="bench", domain="bench.test", moderation_mode=ModerationMode.PRE, is_default=True
    )
    authors = User.objects.bulk_create(
        User(username=f"bench{n}", email=f"bench{n}@example.test", display_name=f"Bench {n}", password="!")  # noqa: S106 - unusable
        for n in range(math.ceil(total / POSTS_PER_AUTHOR))
    )
    queued = moderation_services.enqueue_check
    moderation_services.enqueue_check = lambda item_id: None  # setup only: nothing queued yet
    try:
        with transaction.atomic():
            for n in range(total):
                words = rng.choices(WORDS, k=rng.randint(30, 80))
                body = " ".join(words).capitalize() + "."
                if n % 20 == 19:  # too many links: held for a human
                    body += " " + " ".join(f"https://example.test/{n}/{k}" for k in range(5))
                idea_create(
                    community=community,
                    author=authors[n % len(authors)],
                    title=f"Idée {n} : " + " ".join(rng.choices(WORDS, k=5)),
                    body=body,
                )
    finally:
        moderation_services.enqueue_check = queued
    # A check decides a batch of pending items, its own and others: the items of the phases
    # not yet run wait as `held`, and become `pending` as their phase publishes them.
    ModerationItem.objects.filter(community=community).update(state=ItemState.HELD)
    return list(ModerationItem.objects.filter(community=community).order_by("pk").values_list("pk", flat=True)[:total])


# --- Workers ----------------------------------------------------------------------------


@dataclass
class Workers:
    processes: list[subprocess.Popen]
    hostnames: list[str]
    logs: list[Path]
    description: str
    count: int  # worker processes that run tasks (solo workers, or prefork children)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]


def worker_settings_module(lines: list[str]) -> tuple[str, str]:
    """(DJANGO_SETTINGS_MODULE, PYTHONPATH) for the workers: config.settings as is, or with
    extra lines appended, in a module written under var/bench/ (to try a change first)."""
    pythonpath = os.environ.get("PYTHONPATH", "")
    if not lines:
        return "config.settings", pythonpath
    module = OUT / "bench_worker_settings.py"
    module.write_text(
        '"""Written by bench/moderation.py: config.settings and the --worker-setting lines."""\n\n'
        "from config.settings import *  # noqa: F403\n\n" + "\n".join(lines) + "\n"
    )
    return module.stem, os.pathsep.join(filter(None, [str(OUT), str(ROOT), pythonpath]))


def start_workers(
    count: int, pool: str, database_url: str, redis_url: str, loglevel: str, settings_lines: list[str]
) -> Workers:
    from config.celery import app

    settings_module, pythonpath = worker_settings_module(settings_lines)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": pythonpath,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MODERATION_SPAM_CHECK_URL": "",
        # As deployed: DEBUG off (no query log kept in memory), so a secret key is needed.
        "DEBUG": "false",
        "SECRET_KEY": os.environ["SECRET_KEY"],
    }
    shapes = [("solo", "1")] * count if pool == "solo" else [("prefork", str(count))]
    processes, hostnames, logs = [], [], []
    for index, (pool_name, concurrency) in enumerate(shapes):
        hostname = f"bench{index}-{os.getpid()}@localhost"
        log = OUT / f"worker-{index}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "moderation",
            "--pool",
            pool_name,
            "--concurrency",
            concurrency,
            "-n",
            hostname,
            "--loglevel",
            loglevel,
        ]
        with log.open("w") as output:
            processes.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
            )
        hostnames.append(hostname)
        logs.append(log)
    description = (
        f"{count} × `celery -A config worker -Q moderation --pool solo --concurrency 1 --loglevel {loglevel}`"
        if pool == "solo"
        else f"1 × `celery -A config worker -Q moderation --pool prefork --concurrency {count} --loglevel {loglevel}`"
    )
    workers = Workers(processes, hostnames, logs, description, count)
    deadline = time.monotonic() + 90
    while True:
        answered = {name for reply in app.control.ping(destination=hostnames, timeout=1) for name in reply}
        if answered >= set(hostnames):
            return workers
        if time.monotonic() > deadline or any(process.poll() is not None for process in processes):
            stop_workers(workers)
            sys.exit("The workers did not start; see " + ", ".join(map(str, logs)))


def stop_workers(workers: Workers) -> None:
    for process in workers.processes:
        if process.poll() is None:
            process.terminate()
    for process in workers.processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- Phases -----------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    items: int
    workers: int
    wall: float = 0.0  # first publication -> last decision
    publish_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    doubles: int = 0  # items with more than one automatic decision (must be 0)
    undecided: int = 0
    machine_busy: float = 0.0
    worker_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return (self.items - self.undecided) / self.wall if self.wall else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def _decided(ids: list[int]) -> int:
    from community.models import ModerationDecision

    return (
        ModerationDecision.objects.filter(item_id__gte=ids[0], item_id__lte=ids[-1], automatic=True)
        .values("item_id")
        .distinct()
        .count()
    )


def run_phase(name: str, ids: list[int], workers: Workers, rate: float | None, timeout: float) -> Phase:
    """Publish each item's check (all at once, or `rate` per second) and wait for the decisions."""
    from django.db.models import Count, Min
    from django.utils import timezone

    from community.models import ModerationDecision, ModerationItem
    from community.models.moderation import ItemState
    from community.moderation.services import enqueue_check

    phase = Phase(name, len(ids), workers.count)
    meter = CpuMeter(workers.pids)
    if rate is None:
        ModerationItem.objects.filter(pk__in=ids).update(state=ItemState.PENDING, enqueued_at=timezone.now())
    started = time.time()
    for n, item_id in enumerate(ids):
        if rate is not None:
            delay = started + n / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            ModerationItem.objects.filter(pk=item_id).update(state=ItemState.PENDING, enqueued_at=timezone.now())
        enqueue_check(item_id)
    phase.publish_seconds = time.time() - started
    deadline = time.monotonic() + timeout
    while _decided(ids) < len(ids) and time.monotonic() < deadline:
        time.sleep(0.2)
    phase.machine_busy, phase.worker_cpu = meter.stop()

    rows = (
        ModerationDecision.objects.filter(item_id__gte=ids[0], item_id__lte=ids[-1], automatic=True)
        .values("item_id", "item__enqueued_at")
        .annotate(first=Min("created_at"), decisions=Count("pk"))
    )
    last = started
    for row in rows:
        phase.latencies.append((row["first"] - row["item__enqueued_at"]).total_seconds())
        phase.doubles += row["decisions"] > 1
        last = max(last, row["first"].timestamp())
    phase.undecided = len(ids) - len(phase.latencies)
    phase.wall = last - started
    phase.outcomes = dict(
        ModerationDecision.objects.filter(item_id__gte=ids[0], item_id__lte=ids[-1], automatic=True)
        .values_list("outcome")
        .annotate(count=Count("pk"))
    )
    return phase


# --- Profiling --------------------------------------------------------------------------


def start_profilers(workers: Workers) -> list[tuple[subprocess.Popen, Path]]:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        sys.exit("--profile needs py-spy: .venv/bin/pip install py-spy")
    profilers = []
    for index, pid in enumerate(workers.pids):
        output = OUT / f"profile-{index}.txt"
        command = [py_spy, "record", "--pid", str(pid), "--rate", "250", "--idle", "--format", "raw"]
        command += ["--subprocesses", "--output", str(output)]
        with (OUT / f"py-spy-{index}.log").open("w") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        profilers.append((process, output))
    time.sleep(1.0)  # py-spy attaches
    return profilers


def stop_profilers(profilers: list[tuple[subprocess.Popen, Path]]) -> list[Path]:
    for process, _output in profilers:
        process.send_signal(signal.SIGINT)
    for process, _output in profilers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return [output for _process, output in profilers if output.exists()]


# Frames worth naming in the summary: (label, file, function). A sample counts for a label
# when its stack passes through that frame (inclusive shares: they overlap).
PROFILE_BUCKETS = [
    ("handling a task (receive, trace, run, ack)", "celery/worker/consumer/consumer.py", "on_task_received"),
    ("  moderation_check (the task's work)", "community/moderation/services.py", "moderation_check"),
    ("    claiming the batch (SKIP LOCKED)", "community/moderation/services.py", "_claim_batch"),
    ("    the rules' database reads (per batch)", "community/moderation/services.py", "read"),
    ("    rules.evaluate (pure Python)", "community/moderation/rules.py", "evaluate"),
    ("    the decisions' writes (per batch)", "community/moderation/services.py", "_record"),
    ("  opening a PostgreSQL connection", "django/db/backends/base/base.py", "connect"),
    ("  waiting on PostgreSQL (queries, commits)", "psycopg/connection.py", "wait"),
    ("  Django ORM: compiling SQL", "django/db/models/sql/compiler.py", "as_sql"),
    ("  transaction commit", "django/db/backends/base/base.py", "commit"),
    ("  closing connections after each task (Celery's Django fixup)", "celery/fixups/django.py", "close_database"),
    ("  acknowledging the message (Redis)", "kombu/message.py", "ack"),
    ("  logging", "logging/__init__.py", "_log"),
]


def summarize_profile(paths: list[Path]) -> list[tuple[str, float]]:
    """Share of samples (py-spy raw format) whose stack passes through each bucket's frame;
    the rest of the samples is the worker waiting for the next message."""
    totals: collections.Counter[str] = collections.Counter()
    samples = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            samples += count
            frames = stack.split(";")
            for label, file_part, function in PROFILE_BUCKETS:
                if any(
                    file_part in frame and (f".{function} (" in frame or frame.startswith(f"{function} ("))
                    for frame in frames
                ):
                    totals[label] += count
    shares = [(label, 100 * totals[label] / samples if samples else 0.0) for label, _file, _function in PROFILE_BUCKETS]
    return [*shares, ("waiting for the next message (idle)", 100 - shares[0][1])]


# --- Report -----------------------------------------------------------------------------


def table(phases: list[Phase]) -> str:
    head = (
        "| phase | worker processes | items | published/s | wall (s) | items/s | items/s per worker "
        "| p50 (s) | p95 (s) | p99 (s) | max (s) | worker CPU ms/item | machine CPU busy | outcomes "
        "| double decisions |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for phase in phases:
        outcomes = ", ".join(f"{key} {value}" for key, value in sorted(phase.outcomes.items()))
        if phase.undecided:
            outcomes += f", **{phase.undecided} undecided**"
        cpu_per_item = 1000 * phase.worker_cpu / max(phase.items - phase.undecided, 1)
        lines.append(
            f"| {phase.name} | {phase.workers} | {phase.items} | {phase.items / max(phase.publish_seconds, 1e-9):.0f} "
            f"| {phase.wall:.1f} | {phase.rate:.0f} "
            f"| {phase.rate / phase.workers:.0f} | {phase.percentile(0.5):.3f} | {phase.percentile(0.95):.3f} "
            f"| {phase.percentile(0.99):.3f} | {max(phase.latencies, default=math.nan):.3f} | {cpu_per_item:.1f} "
            f"| {100 * phase.machine_busy:.0f} % | {outcomes} | {phase.doubles} |"
        )
    return "\n".join(lines)


def verdict(phases: list[Phase]) -> str:
    backlog = phases[0]
    per_worker = backlog.rate / backlog.workers
    goal_phase = next((phase for phase in phases if phase.name == f"paced {GOAL_PER_WORKER * backlog.workers}/s"), None)
    parts = [
        f"capacity {per_worker:.0f} items/s per worker process "
        f"({'meets' if per_worker >= GOAL_PER_WORKER else 'below'} the goal of {GOAL_PER_WORKER})"
    ]
    if goal_phase is not None:
        p95 = goal_phase.percentile(0.95)
        parts.append(
            f"p95 {p95:.3f} s at the goal rate ({'meets' if p95 < GOAL_P95 else 'misses'} the goal of {GOAL_P95:.0f} s)"
        )
    return "; ".join(parts) + "."


def write_docs(path: Path, entry: str) -> None:
    """Insert the entry at the end of the "## Moderation" section (created if missing)."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    lines = text.rstrip("\n").split("\n")
    try:
        start = lines.index("## Moderation")
    except ValueError:
        lines += ["", "## Moderation"]
        start = len(lines) - 1
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = ["", *entry.rstrip("\n").split("\n")]
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.moderation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000, help="items per phase (default 2000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--pool", choices=["solo", "prefork"], default="solo", help="see the module docstring")
    parser.add_argument(
        "--rates",
        default="",
        help="paced rates in items/s, comma-separated (default: the goal, 200 per worker process, "
        "plus 70 %% of the measured capacity when that is below the goal); none: the backlog phase only",
    )
    parser.add_argument(
        "--database",
        help="the bench database's name, dropped and created at each run (default: DATABASE_URL's + _bench)",
    )
    parser.add_argument(
        "--worker-setting",
        action="append",
        default=[],
        metavar="LINE",
        help="a Python line added to config.settings for the workers, to measure a change before making it, "
        "e.g. 'CELERY_DB_REUSE_MAX = 1_000_000' (repeatable)",
    )
    parser.add_argument("--loglevel", default="INFO", help="the workers' log level (production: INFO)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for one phase's decisions")
    parser.add_argument("--profile", action="store_true", help="sample the workers with py-spy (backlog phase)")
    parser.add_argument("--no-docs", action="store_true", help="do not append the figures to docs/benchmarks.md")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    database_url, redis_url = _require_env()
    bench_url = bench_database_url(database_url, args.database)
    if urlsplit(bench_url).path == urlsplit(database_url).path:
        sys.exit("The bench database must not be DATABASE_URL's own: it is dropped at every run.")
    recreate_database(bench_url)
    os.environ.update(
        DATABASE_URL=bench_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_TASK_ALWAYS_EAGER="false",
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from config.celery import app

    OUT.mkdir(parents=True, exist_ok=True)
    others = app.control.ping(timeout=1.5)
    if others:
        sys.exit(f"Other workers listen on {redacted(redis_url)}; they would take the tasks: {others}")
    with app.connection_for_write() as broker:
        broker.default_channel.queue_purge("moderation")

    backlog_only = args.rates.strip().lower() == "none"
    fixed_rates = [] if backlog_only else [float(rate) for rate in args.rates.split(",") if rate.strip()]
    phase_count = 1 if backlog_only else 1 + (len(fixed_rates) or 2)
    print(f"Bench database {redacted(bench_url)} (new); broker {redacted(redis_url)}")
    started = time.monotonic()
    ids = prepare(args.items * phase_count, args.seed)
    print(f"Setup: {len(ids)} ideas and items via idea_create in {time.monotonic() - started:.1f} s")
    batches = [ids[n * args.items : (n + 1) * args.items] for n in range(phase_count)]
    load_before = os.getloadavg()
    facts = machine()

    workers = start_workers(args.workers, args.pool, bench_url, redis_url, args.loglevel, args.worker_setting)
    phases: list[Phase] = []
    profile: list[tuple[str, float]] = []
    profilers: list[tuple[subprocess.Popen, Path]] = []
    try:
        profilers = start_profilers(workers) if args.profile else []
        phases.append(run_phase("backlog", batches[0], workers, None, args.timeout))
        if profilers:
            profile = summarize_profile(stop_profilers(profilers))
        capacity = phases[0].rate
        rates = fixed_rates or [float(GOAL_PER_WORKER * phases[0].workers)]
        if not fixed_rates and capacity < rates[0]:
            rates.append(max(1, round(0.7 * capacity)))
        if backlog_only:
            rates = []
        for batch, rate in zip(batches[1:], rates, strict=False):
            phases.append(run_phase(f"paced {rate:g}/s", batch, workers, rate, args.timeout))
    finally:
        for process, _output in profilers:
            if process.poll() is None:
                process.kill()
        stop_workers(workers)
    load_after = os.getloadavg()

    result = table(phases)
    print()
    print(result)
    print()
    print(verdict(phases))
    if profile:
        print("\nWhere the workers' time goes (py-spy, share of samples, inclusive; profiles in var/bench/):")
        for label, share in profile:
            print(f"  {share:5.1f} %  {label}")

    command = (
        f"DATABASE_URL={redacted(database_url)} REDIS_URL={redacted(redis_url)} "
        f".venv/bin/python -m bench.moderation {shlex.join(sys.argv[1:] if argv is None else argv)}"
    ).rstrip()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    entry = [
        f"### {now}: {args.items} items per phase, {args.workers} worker process(es), {args.pool} pool",
        "",
        f"- Command: `{command}`",
        f"- Workers: {workers.description}"
        + "".join(f"; with `{line}` added to the settings" for line in args.worker_setting),
        f"- Code: {code_version()}",
        f"- Machine: {facts['cpus']} CPUs ({facts['cpu_model']}), {facts['ram']} RAM, kernel {facts['kernel']}; "
        f"PostgreSQL {facts['postgres']}, Redis {facts['redis']}, Python {facts['python']}, "
        f"Celery {facts['celery']}; PostgreSQL, Redis, the workers and the bench share the machine",
        f"- Load average (1 min) when the workers started / at the end: {load_before[0]:.2f} / {load_after[0]:.2f}",
        "",
        result,
        "",
        f"Verdict: {verdict(phases)}",
    ]
    if profile:
        entry += [
            "",
            "Profile of the backlog phase (py-spy, share of the workers' samples, inclusive; sampling slows the "
            "workers, so compare the shares, not this run's rate):",
            "",
        ]
        entry += [
            f"{' ' * (len(label) - len(label.lstrip()))}- {share:.1f} % {label.strip()}" for label, share in profile
        ]
    if not args.no_docs:
        write_docs(DOCS, "\n".join(entry))
        print(f"\nAppended to {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
