"""Notification fan-out: one official response told to N followers by one real worker.

    DATABASE_URL=postgres://root@127.0.0.1:5432/cluetrain REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python -m bench.fanout --followers 50000

What it does:

1. Works in a database of its own, named after DATABASE_URL's with `_bench_fanout` added
   (`cluetrain` -> `cluetrain_bench_fanout`; `--database` to choose), dropped, created and
   migrated at every run. DATABASE_URL's own database is never touched. REDIS_URL is the
   broker (give it a Redis database of its own): the bench purges its `notifications`
   queue and refuses to run if another worker listens there. Logs and profiles go to
   var/bench/.
2. Creates a community, a brand manager, two ideas posted by the manager, and N members
   who follow both ideas, with bulk inserts (one in four reads English, so an e-mail is
   rendered in two languages). None of this is measured.
3. Starts an aiosmtpd SMTP sink on 127.0.0.1 (a free port, a process of its own) that
   counts what it accepts, and ONE worker process as deployed but on the notifications
   queue alone: `celery -A config worker -Q notifications --pool solo`, with
   `EMAIL_URL=smtp://127.0.0.1:<port>`.
4. Two runs, each publishing a response with a status change through the services
   (`response_create`, then `response_publish`, whose on-commit queues
   `notifications.publish_response`), and waiting until the response is announced
   (`notified_at`), every follower has their inbox row and the sink has every e-mail:
   - e-mail: the followers keep the default for responses (immediate e-mail), so each
     gets an inbox row and an e-mail;
   - inbox only: the followers first choose the daily digest for responses, so the task
     writes the inbox rows and sends nothing: the difference is the e-mail's cost.
   The task's time runs from its start (the response's `published_at`, set as the task
   publishes it) to its end (`notified_at`, set once every chunk is delivered); rates
   are recipients / task time.
5. `--profile N` then runs `notifications.responses.announce_response` in this process under
   cProfile, for N followers receiving e-mails over the same sink (the worker stopped),
   and prints where the time goes.

It prints a Markdown entry (machine, command, table) to paste under "Notification fan-out"
in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import secrets
import shlex
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from bench.moderation import (
    OUT,
    ROOT,
    CpuMeter,
    _require_env,
    code_version,
    machine,
    recreate_database,
    redacted,
)

QUEUE = "notifications"
GOAL = 2000  # recipients/s per worker process
BATCH = 5000
RUNS = 2  # with e-mails, then inbox rows only
RESPONSE_BODY = (
    "Bonne nouvelle : les **nouvelles rames** livrées en 2027 auront une prise à chaque siège. "
    "Nous installerons aussi des prises dans les rames actuelles lors de leur rénovation."
)


# --- The SMTP sink ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Counter:
    """An aiosmtpd handler that counts recipients and notes when the last message came."""

    def __init__(self, count, last) -> None:
        self.count = count
        self.last = last

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.count.get_lock():
            self.count.value += len(envelope.rcpt_tos)
        self.last.value = time.time()
        return "250 OK"


def _sink_main(port: int, count, last, ready, stop) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Counter(count, last), hostname="127.0.0.1", port=port, server_hostname="bench-sink")
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


@dataclass
class Sink:
    port: int
    process: multiprocessing.Process
    count: object  # multiprocessing.Value("q")
    last: object  # multiprocessing.Value("d"): time.time() of the last message
    stop_event: object

    @property
    def received(self) -> int:
        return self.count.value

    def stop(self) -> None:
        self.stop_event.set()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()


def start_sink() -> Sink:
    context = multiprocessing.get_context("spawn")
    port = free_port()
    count, last = context.Value("q", 0), context.Value("d", 0.0)
    ready, stop = context.Event(), context.Event()
    process = context.Process(target=_sink_main, args=(port, count, last, ready, stop), daemon=True)
    process.start()
    if not ready.wait(timeout=30):
        process.kill()
        sys.exit("The SMTP sink did not start.")
    return Sink(port, process, count, last, stop)


# --- Data -------------------------------------------------------------------------------


@dataclass
class World:
    community: object
    manager: object
    status: object
    followers: list[int]
    ideas: list[object]


def prepare(followers: int, ideas: int) -> World:
    """A community, its brand manager, `ideas` ideas by the manager, and `followers` members
    following the first RUNS of them (bulk inserts; nothing queued)."""
    from django.core.management import call_command

    from accounts.models import User
    from community.models import Membership, Role
    from community.moderation import services as moderation_services
    from community.services import community_create
    from ideas.services import idea_create

    call_command("migrate", verbosity=0, interactive=False)
    community = community_create(name="Bench", slug="bench", domain="bench.test", is_default=True)
    manager = User.objects.create(username="manager", email="manager@bench.test", display_name="Mona Manager")
    Membership.objects.create(community=community, user=manager, role=Role.BRAND_MANAGER)
    queued = moderation_services.enqueue_check
    moderation_services.enqueue_check = lambda item_id: None  # no worker listens on moderation
    try:
        made = [
            idea_create(
                community=community,
                author=manager,
                title=f"Des prises électriques à chaque siège ({n + 1})",
                body="Pour travailler pendant le trajet.",
            )
            for n in range(ideas)
        ]
    finally:
        moderation_services.enqueue_check = queued
    ids: list[int] = []
    for start in range(0, followers, BATCH):
        users = User.objects.bulk_create(
            User(
                username=f"follower{n}",
                email=f"follower{n}@bench.test",
                display_name=f"Follower {n}",
                language="en" if n % 4 == 0 else "",
                password="!",  # noqa: S106 - unusable
            )
            for n in range(start, min(start + BATCH, followers))
        )
        batch = [user.pk for user in users]
        ids += batch
        Membership.objects.bulk_create(Membership(community=community, user_id=pk, role=Role.MEMBER) for pk in batch)
    for idea in made[:RUNS]:  # a profiled idea gets its followers when it is profiled
        follow(idea, ids)
    return World(community, manager, community.statuses.get(slug="planned"), ids, made)


def follow(idea, user_ids: list[int]) -> None:
    from django.db.models import F

    from ideas.models import Follow, IdeaStats

    for start in range(0, len(user_ids), BATCH):
        Follow.objects.bulk_create(Follow(idea=idea, user_id=pk) for pk in user_ids[start : start + BATCH])
    IdeaStats.objects.filter(pk=idea.pk).update(followers=F("followers") + len(user_ids))


def choose_delivery(user_ids: list[int], delivery: str | None) -> None:
    """Every follower's choice for responses: `delivery`, or the default (None)."""
    from notifications.models import Kind, Preference

    Preference.objects.filter(user_id__in=user_ids, kind=Kind.RESPONSE).delete()
    if delivery is None:
        return
    for start in range(0, len(user_ids), BATCH):
        Preference.objects.bulk_create(
            Preference(user_id=pk, kind=Kind.RESPONSE, delivery=delivery) for pk in user_ids[start : start + BATCH]
        )


# --- The worker -------------------------------------------------------------------------


def start_worker(database_url: str, redis_url: str, email_url: str, loglevel: str) -> subprocess.Popen:
    from config.celery import app

    hostname = f"fanout-{os.getpid()}@localhost"
    log = OUT / "fanout-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": email_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DEBUG": "false",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", QUEUE, "--pool", "solo",
        "--concurrency", "1", "--without-gossip", "--without-mingle", "-n", hostname, "--loglevel", loglevel,
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 90
    while not app.control.ping(destination=[hostname], timeout=1):
        if time.monotonic() > deadline or process.poll() is not None:
            stop_worker(process)
            sys.exit(f"The worker did not start; see {log}")
    return process


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- Runs -------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    followers: int
    notified: int = 0
    emails: int = 0
    pickup: float = 0.0  # publish call -> task start
    seconds: float = 0.0  # task start -> announced
    inbox_span: float = 0.0  # first -> last inbox row written
    email_span: float = 0.0  # first claim -> last message received by the sink
    worker_cpu: float = 0.0
    sink_cpu: float = 0.0
    machine_busy: float = 0.0
    complete: bool = False

    @property
    def notified_per_second(self) -> float:
        return self.notified / self.seconds if self.seconds else 0.0

    @property
    def emails_per_second(self) -> float:
        return self.emails / self.seconds if self.seconds else 0.0


def publish(world: World, idea):
    from ideas.responses import response_create, response_publish

    response = response_create(idea=idea, user=world.manager, body=RESPONSE_BODY, status=world.status)
    return response_publish(response=response, user=world.manager)


def run(name: str, world: World, idea, worker: subprocess.Popen, sink: Sink, *, emails: bool, timeout: float) -> Run:
    from django.db.models import Max, Min

    from ideas.models import OfficialResponse
    from notifications.models import Notification

    result = Run(name, len(world.followers))
    sink_before = sink.received
    meter, sink_meter = CpuMeter([worker.pid]), CpuMeter([sink.process.pid])
    started = time.time()
    response = publish(world, idea)
    deadline = time.monotonic() + timeout
    next_report = time.monotonic() + 15
    while time.monotonic() < deadline and worker.poll() is None:
        announced = OfficialResponse.objects.filter(pk=response.pk, notified_at__isnull=False).exists()
        if announced and (not emails or sink.received - sink_before >= len(world.followers)):
            result.complete = True
            break
        if time.monotonic() > next_report:
            written = Notification.objects.filter(key=f"response:{response.pk}").count()
            print(f"  … {written} inbox rows, {sink.received - sink_before} e-mails so far", flush=True)
            next_report = time.monotonic() + 15
        time.sleep(0.25)
    result.machine_busy, result.worker_cpu = meter.stop()
    _share, result.sink_cpu = sink_meter.stop()
    response.refresh_from_db()
    rows = Notification.objects.filter(key=f"response:{response.pk}").aggregate(
        first=Min("created_at"), last=Max("created_at"), claimed=Min("emailed_at")
    )
    result.notified = Notification.objects.filter(key=f"response:{response.pk}").count()
    result.emails = sink.received - sink_before
    if response.published_at:
        result.pickup = response.published_at.timestamp() - started
        end = response.notified_at.timestamp() if response.notified_at else time.time()
        result.seconds = end - response.published_at.timestamp()
    if rows["first"]:
        result.inbox_span = (rows["last"] - rows["first"]).total_seconds()
    if rows["claimed"] and result.emails:
        result.email_span = sink.last.value - rows["claimed"].timestamp()
    return result


# --- Profile ----------------------------------------------------------------------------

# Where the time goes, by the frame a call passes through (inclusive: shares overlap).
PROFILE_BUCKETS = [
    ("inbox rows: preferences query + bulk_create", "notifications/services.py", "_write_inbox"),
    ("e-mails: claim, load, build, send", "notifications/services.py", "_email_now"),
    ("  building messages (personalise)", "notifications/emails.py", "personalise"),
    ("    signing unsubscribe tokens", "notifications/tokens.py", "unsubscribe_token"),
    ("    reverse() of the unsubscribe URL", "django/urls/base.py", "reverse"),
    ("  rendering templates (once per language)", "notifications/emails.py", "render_notification"),
    ("  sending over SMTP (send_messages)", "django/core/mail/backends/smtp.py", "send_messages"),
    ("    serialising MIME (message.as_bytes)", "django/core/mail/message.py", "as_bytes"),
    ("    building the MIME message (message())", "django/core/mail/message.py", "message"),
    ("    SMTP round trips (smtplib.sendmail)", "smtplib.py", "sendmail"),
    ("database: executing queries", "django/db/backends/utils.py", "execute"),
    ("ORM: compiling SQL", "django/db/models/sql/compiler.py", "as_sql"),
    ("ORM: building model instances", "django/db/models/base.py", "__init__"),
]


def profile(world: World, idea, followers: int) -> tuple[float, list[tuple[str, float]], str]:
    """announce_response for `followers` followers under cProfile, in this process:
    (seconds, bucket shares, the top functions as text)."""
    import io

    from ideas import responses
    from notifications import responses as announcements

    follow(idea, world.followers[:followers])
    choose_delivery(world.followers, None)
    queued = responses.enqueue_publication
    responses.enqueue_publication = lambda response_id: None  # published right here instead
    try:
        response = publish(world, idea)
    finally:
        responses.enqueue_publication = queued
    responses.publish_if_due(response.pk)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    announcements.announce_response(response.pk)
    profiler.disable()
    seconds = time.perf_counter() - started
    path = OUT / "fanout.prof"
    profiler.dump_stats(path)
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    shares = []
    for label, file_part, function in PROFILE_BUCKETS:
        cumulative = sum(
            row[3] for (filename, _line, name), row in stats.stats.items() if file_part in filename and name == function
        )
        shares.append((label, 100 * cumulative / total if total else 0.0))
    text = io.StringIO()
    pstats.Stats(str(path), stream=text).sort_stats("tottime").print_stats(25)
    (OUT / "fanout-profile.txt").write_text(text.getvalue())
    return seconds, shares, text.getvalue()


# --- Report -----------------------------------------------------------------------------


def table(runs: list[Run]) -> str:
    head = (
        "| run | followers | inbox rows | e-mails | pickup (s) | task (s) | notifications/s | e-mails/s "
        "| inbox rows written over (s) | e-mails sent over (s) | worker CPU ms/recipient | SMTP sink CPU (s) "
        "| machine CPU busy |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for item in runs:
        incomplete = "" if item.complete else " **(incomplete)**"
        lines.append(
            f"| {item.name}{incomplete} | {item.followers} | {item.notified} | {item.emails} | {item.pickup:.2f} "
            f"| {item.seconds:.1f} | {item.notified_per_second:.0f} | {item.emails_per_second:.0f} "
            f"| {item.inbox_span:.1f} | {item.email_span:.1f} "
            f"| {1000 * item.worker_cpu / max(item.notified, 1):.2f} | {item.sink_cpu:.1f} "
            f"| {100 * item.machine_busy:.0f} % |"
        )
    return "\n".join(lines)


def split(runs: list[Run]) -> str:
    with_email = next((item for item in runs if item.name == "e-mail" and item.complete), None)
    inbox = next((item for item in runs if item.name == "inbox only" and item.complete), None)
    if not (with_email and inbox):
        return "Cost split: not available (a run did not complete)."
    per_inbox = 1000 * inbox.seconds / inbox.notified
    per_email = 1000 * (with_email.seconds - inbox.seconds) / max(with_email.emails, 1)
    share = 100 * (with_email.seconds - inbox.seconds) / with_email.seconds
    verdict = "meets" if with_email.notified_per_second >= GOAL else "below"
    return (
        f"Cost per recipient: {per_inbox:.2f} ms for the inbox row, {per_email:.2f} ms more for the e-mail "
        f"({share:.0f} % of the task). {with_email.notified_per_second:.0f} recipients/s with e-mail per worker "
        f"process: {verdict} the goal of {GOAL}."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=50_000, help="followers of the idea (default 50000)")
    parser.add_argument(
        "--database", help="the bench database's name, dropped and created at each run (default: DATABASE_URL's "
        "+ _bench_fanout)"
    )  # fmt: skip
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="then profile announce_response in-process for N followers"
    )
    parser.add_argument("--loglevel", default="INFO", help="the worker's log level (production: INFO)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for one run")
    args = parser.parse_args(argv)

    database_url, redis_url = _require_env()
    parts = urlsplit(database_url)
    name = args.database or f"{parts.path.lstrip('/') or 'cluetrain'}_bench_fanout"
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))
    if name == parts.path.lstrip("/"):
        sys.exit("The bench database must not be DATABASE_URL's own: it is dropped at every run.")
    OUT.mkdir(parents=True, exist_ok=True)
    sink = start_sink()  # before Django starts: a spawned process that knows nothing of it
    email_url = f"smtp://127.0.0.1:{sink.port}"
    recreate_database(bench_url)
    os.environ.update(
        DATABASE_URL=bench_url,
        EMAIL_URL=email_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_TASK_ALWAYS_EAGER="false",
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from config.celery import app
    from notifications.models import Delivery

    others = app.control.ping(timeout=1.5)
    if others:
        sink.stop()
        sys.exit(f"Other workers listen on {redacted(redis_url)}; they would take the tasks: {others}")
    with app.connection_for_write() as broker:
        broker.default_channel.queue_purge(QUEUE)

    print(f"Bench database {redacted(bench_url)} (new); broker {redacted(redis_url)}; SMTP sink {email_url}")
    started = time.monotonic()
    world = prepare(args.followers, RUNS + bool(args.profile))
    print(f"Setup: {args.followers} followers of {RUNS} ideas in {time.monotonic() - started:.1f} s")
    facts = machine()
    load_before = os.getloadavg()
    worker = start_worker(bench_url, redis_url, email_url, args.loglevel)
    runs: list[Run] = []
    try:
        print("Run 1: inbox rows and immediate e-mails", flush=True)
        runs.append(run("e-mail", world, world.ideas[0], worker, sink, emails=True, timeout=args.timeout))
        choose_delivery(world.followers, Delivery.DAILY)
        print("Run 2: inbox rows only (followers chose the daily digest)", flush=True)
        runs.append(run("inbox only", world, world.ideas[1], worker, sink, emails=False, timeout=args.timeout))
    finally:
        stop_worker(worker)
    load_after = os.getloadavg()
    profiled = None
    try:
        if args.profile:
            print(f"Profile: announce_response in this process for {args.profile} followers", flush=True)
            profiled = profile(world, world.ideas[2], min(args.profile, args.followers))
    finally:
        sink.stop()

    result = table(runs)
    command = (
        f"DATABASE_URL={redacted(database_url)} REDIS_URL={redacted(redis_url)} "
        f".venv/bin/python -m bench.fanout {shlex.join(sys.argv[1:] if argv is None else argv)}"
    ).rstrip()
    entry = [
        f"### {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}: {args.followers} followers, 1 worker process",
        "",
        f"- Command: `{command}`",
        f"- Worker: 1 × `celery -A config worker -Q {QUEUE} --pool solo --concurrency 1 --loglevel {args.loglevel}`, "
        f"`EMAIL_URL={email_url}` (an aiosmtpd sink on the same machine)",
        f"- Code: {code_version()}",
        f"- Machine: {facts['cpus']} CPUs ({facts['cpu_model']}), {facts['ram']} RAM, kernel {facts['kernel']}; "
        f"PostgreSQL {facts['postgres']}, Redis {facts['redis']}, Python {facts['python']}, "
        f"Celery {facts['celery']}; PostgreSQL, Redis, the SMTP sink, the worker and the bench share the machine",
        f"- Load average (1 min) when the worker started / at the end: {load_before[0]:.2f} / {load_after[0]:.2f}",
        "",
        result,
        "",
        split(runs),
    ]
    print()
    print("\n".join(entry))
    if profiled:
        seconds, shares, top = profiled
        rate = min(args.profile, args.followers) / seconds
        print(f"\nProfile (cProfile, in-process, {seconds:.1f} s, {rate:.0f} recipients/s under the profiler):")
        for label, share in shares:
            print(f"  {share:5.1f} %  {label}")
        print(f"\nTop functions by own time (full listing in {OUT / 'fanout-profile.txt'}):")
        print("\n".join(top.splitlines()[:45]))
    if not all(item.complete for item in runs):
        sys.exit("A run did not complete: see var/bench/fanout-worker.log")


if __name__ == "__main__":
    main()
