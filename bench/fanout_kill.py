"""A worker SIGKILLed during a notification fan-out to 3,000 followers: what is lost, doubled.

    DATABASE_URL=postgres://root@127.0.0.1:5432/cl_e REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python -m bench.fanout_kill --runs 3 --crowd 3000

Each run is the fault test tests/outbox/test_faults.py::
test_a_fanout_whose_worker_is_killed_tells_everyone_with_at_most_one_duplicate, with a
crowd of `--crowd` followers, the lease `--lease` (OUTBOX_LEASE_SECONDS of the workers) and
the relay called every `--relay-every` seconds (beat's schedule: 10 s). The test runs its
own throwaway Redis and real solo workers writing e-mail to files; it publishes an official
response through the view, SIGKILLs the worker's process group once a third of the e-mails
are written, starts a new worker and relays until no job is open. This script collects the
figures each run prints (missing in-app notifications, missing e-mails, duplicates, jobs in
flight at the kill, time from the click to the last e-mail) and prints them as a table
(docs/reliability.md, "Measured").
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/outbox/test_faults.py::test_a_fanout_whose_worker_is_killed_tells_everyone_with_at_most_one_duplicate"
LINE = re.compile(r"^FANOUT-KILL (.+)$", re.MULTILINE)


def run_once(crowd: int, lease: int, relay_every: float) -> str:
    env = {
        **os.environ,
        "FANOUT_KILL_CROWD": str(crowd),
        "FANOUT_KILL_LEASE": str(lease),
        "FANOUT_KILL_RELAY_EVERY": str(relay_every),
    }
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-s", TEST]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    found = LINE.search(result.stdout)
    if result.returncode != 0 or found is None:
        raise SystemExit(f"The run failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    return found.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--crowd", type=int, default=3000)
    parser.add_argument("--lease", type=int, default=10)
    parser.add_argument("--relay-every", type=float, default=10)
    options = parser.parse_args()
    for number in range(1, options.runs + 1):
        print(f"run {number}: {run_once(options.crowd, options.lease, options.relay_every)}", flush=True)


if __name__ == "__main__":
    main()
