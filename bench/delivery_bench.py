"""Benchmark: does muster page as fast as its broker, its database and Apprise allow?

A SEV1 is useless if the first page lands late, and a bad day (many incidents at once) must not
queue pages behind each other. muster's pipeline is Celery message -> handler (plan, render, one
durable commit) -> delivery tasks -> Apprise, so its speed is bounded by floors that have nothing
to do with muster's own code, measured here on the same machine, sink and broker
(:mod:`bench.lib.delivery_floors`): **A** a raw Apprise send, **B** a trivial Celery task's round
trip through a worker with muster's settings, **C** one durable commit through muster's engine.

muster itself is ``muster worker --beat -c 8``
(:class:`tests.harness.muster_processes.MusterWorker`) with the production defaults of every
timer, on a config whose SEV1 pages 20 standing roles (one-member rotations) and the service SME
by chat, email and SMS: 63 pages and 2 room broadcasts per incident, all ``json://`` POSTs to the
sink (:mod:`bench.lib.sink`).

**Interleaved, so that floors and muster see the same machine.** A shared 2-core machine's speed
drifts 2x within minutes (raw Apprise has measured 162 and 305 sends/s two minutes apart), so:

* (a) latency: before each of muster's incidents, one floor sample each (3 raw sends, one ping
  round trip, one commit), then one incident declared with :class:`worker.client.Client` and
  waited for in full; target: muster's declare -> first page p50 <= 1.5 x (RTT p50 + commit p50
  + send p50), all p50s over the same minutes.
* (b) throughput: bursts of 20 incidents declared at once, each bracketed by chunks of raw
  sequential sends (chunk, burst, chunk, burst, chunk); target: muster's deliveries / burst time
  >= 80% of the chunks' sends/s (the sequential figure: on 2 cores the 8-thread figure mostly
  measures GIL contention with the sink, and is printed only).

Besides the targets it prints the worker's CPU per delivery (from ``/proc``, robust to other
load), duplicates, and deliveries not ``sent`` in muster's database. ``--pause-for-profile N``
prints the worker's pid and waits N seconds (for ``py-spy``); ``--keep`` keeps the scratch
folder with the worker logs. Brokers and databases: the embedded filesystem broker with SQLite,
Redis and RabbitMQ with PostgreSQL, and Redis with SQLite (``redis+sqlite``), all on 127.0.0.1::

    .venv/bin/python -m bench.delivery_bench [--brokers embedded,redis,rabbitmq,redis+sqlite]

It stops by itself (every wait is bounded), stops every worker it started, drops its PostgreSQL
databases, and exits 1 when a target fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from bench.lib.delivery_floors import Commits, Floors, PingWorker, RawApprise
from bench.lib.delivery_incident import incident_deliveries, routing_yaml
from bench.lib.delivery_muster import MusterResult, MusterRun, muster_worker
from bench.lib.processes import PRODUCTION
from bench.lib.report import (
    Verdict,
    code_under_test,
    judge,
    print_floors,
    print_summary,
)
from bench.lib.sink import Sink
from muster.config.loader import load_config
from tests.harness.servers import RABBITMQ_URL, REDIS_URL, port_open, postgres_database

ROOT = Path(__file__).resolve().parents[1]

LATENCY_INCIDENTS = 30
BURST_INCIDENTS = 20
BURST_ROUNDS = 2
CHUNK_SENDS = 250
POOLED_THREADS = 8
INCIDENT_TIMEOUT_S = 60.0
BURST_TIMEOUT_S = 150.0

BROKER_URLS: dict[str, str | None] = {
    "embedded": None,
    "redis": REDIS_URL,
    "rabbitmq": RABBITMQ_URL,
    "redis+sqlite": REDIS_URL,
}
PORTS = {"redis": 6379, "rabbitmq": 5672, "redis+sqlite": 6379}
SQLITE_LABELS = {"embedded", "redis+sqlite"}


def sqlite_database(_: ExitStack, home: Path) -> str:
    return f"sqlite:///{home / 'muster.db'}"


def postgres(cleanup: ExitStack, _: Path) -> str:
    return cleanup.enter_context(postgres_database())


# --- the two measurements -----------------------------------------------------------------------


def measure_latency(run: MusterRun, floors: Floors, incidents: int, result: MusterResult) -> None:
    """Floor samples, then one incident waited for in full (declare -> first page), repeated."""
    for _ in range(incidents):
        floors.sample()
        started = time.perf_counter()
        incident_id = run.declare()
        complete = run.sink.wait([incident_id], run.expected, INCIDENT_TIMEOUT_S)
        arrivals = run.sink.arrivals(incident_id)
        first = run.first_page(incident_id)
        if first is not None:
            result.first_page.values.append(first - started)
        if arrivals:
            result.first_any.values.append(min(a.at for a in arrivals) - started)
            result.all_pages.values.append(max(a.at for a in arrivals) - started)
        if not complete:
            print(
                f"    incident incomplete after {INCIDENT_TIMEOUT_S:.0f} s: "
                f"{len(arrivals)}/{run.expected}; stopping the latency run"
            )
            return
        run.settle(incident_id)  # start the next one with the worker idle, not mid-bookkeeping


def measure_throughput(
    run: MusterRun, apprise: RawApprise, args: argparse.Namespace, result: MusterResult
) -> None:
    """Bursts of incidents declared back to back, bracketed by chunks of raw sends."""
    apprise.chunk(args.chunk_sends)
    for _ in range(args.burst_rounds):
        started = time.perf_counter()
        burst = [run.declare() for _ in range(args.burst_incidents)]
        result.burst_complete &= run.sink.wait(burst, run.expected, BURST_TIMEOUT_S)
        arrivals = [arrival for incident in burst for arrival in run.sink.arrivals(incident)]
        if arrivals:
            result.burst_deliveries += len(arrivals)
            result.burst_seconds += max(arrival.at for arrival in arrivals) - started
        for incident_id in burst:
            first = run.first_page(incident_id)
            if first is not None:
                result.burst_first_page.values.append(first - started)
            run.settle(incident_id)
        apprise.chunk(args.chunk_sends)


def run_broker(
    label: str, base: Path, sink: Sink, config_text: str, expected: int, args: argparse.Namespace
) -> list[Verdict]:
    """The floors and muster on one broker, interleaved; print them and return the verdicts."""
    url = BROKER_URLS[label]
    database = sqlite_database if label in SQLITE_LABELS else postgres
    slug = label.replace("+", "-")
    routing = load_config(base / "routing.yaml").routing
    result = MusterResult()
    with ExitStack() as stack:
        apprise = RawApprise(routing)
        pooled = apprise.pooled_rate(POOLED_THREADS, args.chunk_sends)
        pinging = stack.enter_context(ExitStack())
        ping = pinging.enter_context(
            PingWorker(url, base / f"ping-{slug}", sink, PRODUCTION).running()
        )
        commits = stack.enter_context(Commits.on(database, base / f"commit-{slug}"))
        run = stack.enter_context(
            muster_worker(label, url, database, base, sink, config_text, expected, PRODUCTION)
        )
        floors = Floors(apprise, ping, commits)
        warmup = run.declare()
        if not sink.wait([warmup], expected, INCIDENT_TIMEOUT_S):
            print(f"    warm-up incident incomplete: {len(sink.arrivals(warmup))}/{expected}")
        run.settle(warmup)
        if args.pause_for_profile and run.worker.process is not None:
            print(f"    worker pid {run.worker.process.pid}: attach a profiler now")
            time.sleep(args.pause_for_profile)
        cpu = run.cpu()
        measure_latency(run, floors, args.latency_incidents, result)
        result.latency_cpu_per_incident = (run.cpu() - cpu) / max(1, len(result.first_page.values))
        pinging.close()  # the bursts' bracketing floor is raw Apprise alone
        cpu = run.cpu()
        measure_throughput(run, apprise, args, result)
        result.burst_cpu_per_delivery = (run.cpu() - cpu) / max(1, result.burst_deliveries)
        result.unsettled = run.unsettled()
        time.sleep(0.5)  # anything sent twice shows up now
        result.duplicates = sum(
            max(0, len(sink.arrivals(incident_id)) - expected) for incident_id in run.declared
        )
        run.worker.stop()
        result.error_lines = [
            line
            for line in run.worker.log_text().splitlines()
            if '"level": "error"' in line or "Traceback" in line
        ]
    print_floors(floors, pooled, POOLED_THREADS, label in SQLITE_LABELS)
    return judge(label, floors, result, expected, args.burst_incidents * args.burst_rounds)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    choices = tuple(BROKER_URLS)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--brokers", default=",".join(choices), help=f"comma-separated, from {', '.join(choices)}"
    )
    parser.add_argument("--latency-incidents", type=int, default=LATENCY_INCIDENTS)
    parser.add_argument("--burst-incidents", type=int, default=BURST_INCIDENTS)
    parser.add_argument("--burst-rounds", type=int, default=BURST_ROUNDS)
    parser.add_argument("--chunk-sends", type=int, default=CHUNK_SENDS)
    parser.add_argument(
        "--pause-for-profile",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="after the warm-up incident, print the worker's pid and wait (to attach py-spy)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch folder (worker logs) and print it"
    )
    args = parser.parse_args(argv)
    args.broker_list = [name.strip() for name in args.brokers.split(",") if name.strip()]
    unknown = [name for name in args.broker_list if name not in choices]
    if unknown:
        parser.error(f"unknown broker(s) {', '.join(unknown)}: choose from {choices}")
    return args


def skip_reason(label: str) -> str | None:
    """Why ``label`` cannot run here (a server it needs is down), or None."""
    if label in PORTS and not port_open(PORTS[label]):
        return f"nothing listens on 127.0.0.1:{PORTS[label]}"
    if label not in SQLITE_LABELS and not port_open(5432):
        return "PostgreSQL is not listening on 127.0.0.1:5432"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.monotonic()
    verdicts: list[Verdict] = []
    base = Path(tempfile.mkdtemp(prefix="muster-delivery-bench-"))
    print("muster delivery benchmark (floors interleaved with muster's samples)")
    print(f"  python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"  code: {code_under_test(ROOT)}")
    print(f"  load average at start: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    with ExitStack() as cleanup:
        if args.keep:
            print(f"  keeping {base}")
        else:
            cleanup.callback(shutil.rmtree, base, ignore_errors=True)
        sink = cleanup.enter_context(Sink())
        config_text = routing_yaml(sink.port)
        (base / "routing.yaml").write_text(config_text)
        deliveries = incident_deliveries(load_config(base / "routing.yaml").routing)
        expected = len(deliveries)
        pages = sum(1 for url, _ in deliveries if "/room/" not in url)
        print(
            f"  sink http://127.0.0.1:{sink.port}; one SEV1 = {pages} pages + "
            f"{expected - pages} broadcasts = {expected} deliveries"
        )
        for label in args.broker_list:
            print(f"\n=== {label} ===")
            reason = skip_reason(label)
            if reason:
                print(f"  skipped: {reason}")
                continue
            verdicts += run_broker(label, base, sink, config_text, expected, args)
    print_summary(verdicts, time.monotonic() - began)
    return 0 if verdicts and all(verdict.ok for verdict in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
