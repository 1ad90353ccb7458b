"""Benchmark: does muster's web intake take alerts as fast as Alertmanager itself does?

Alertmanager sits in front of muster: Prometheus posts every alert to its API, and it sends
each alert group on to muster's ``/v1/alertmanager`` as one webhook. If muster's intake took a
group's alerts more slowly than Alertmanager takes them in, an alert storm would back up at
muster. This script measures both on the same machine in the same run:

1. **Alertmanager's own ingest** (Debian's ``prometheus-alertmanager``, started as the
   integration tests start it): new distinct alerts POSTed to ``/api/v2/alerts``, one a POST
   and 100 a POST. Its route goes to a black-hole webhook and its groups wait 10 minutes, so no
   notification work runs while it ingests: the fastest Alertmanager, the strictest floor.
2. **muster's web intake** (``muster web`` in a subprocess; the embedded broker in a scratch
   ``MUSTER_HOME``, or Redis with ``--broker redis`` and a unique ``MUSTER_QUEUE``): the
   webhooks Alertmanager would send for such alerts, POSTed to ``/v1/alertmanager`` with the
   bench caller's bearer token: (a) one alert a POST, each its own group; (b) 100 alerts a
   POST, one group. 202 comes only once the broker has the message, so a POST's answer time is
   intake -> broker. Nothing consumes the queue: the bench checks it holds one message per
   POST, then deletes it.
3. **Alertmanager -> muster -> first page**: a real Alertmanager (``group_wait: 0s``) posting
   to ``muster worker --beat --web``, whose config pages one person by ``json://`` to a local
   sink: one alert (its own group) at a time, from the post to Alertmanager to the page, split
   at the web's log line for the request that queued it (``web.request`` with a ``task``).

The client is the same for both servers: ``--threads`` keep-alive ``http.client`` connections
a run, bodies encoded beforehand. Both servers run through parts 1 and 2 (idle while the other
is measured). Part (b) is ``--rounds`` runs of ``--batch-alerts`` (10,000: 100 POSTs, 0.15-0.3
s) alternated between the two servers and judged on the total (alerts / seconds); shorter runs
measure mostly their own start and tail (with 10 POSTs a run over 4 connections, the last
answer waits while 3 connections idle). Each run connects anew: ``muster web``'s processes each
listen on a socket of their own and Linux places a connection on one by a hash of its address,
so one set of 4 connections kept for the whole bench would measure one placement (all 4 on
one process, 1 time in 64 with 4 processes); new ones each run measure the placements a busy
receiver sees as senders come and go. Each server's CPU is read from ``/proc`` over a whole
phase.

Target: muster's 100-a-POST alerts/s >= Alertmanager's own 100-a-POST rate, with every POST
accepted and every accepted message on the broker. Run from the repository root::

    .venv/bin/python -m bench.intake_bench [--broker embedded|redis] [--threads 4]

Every wait is bounded; every process it starts runs in a session of its own with a reaper and
is killed at the end; the scratch folder (config, embedded broker, logs) is deleted unless
``--keep``; on Redis the bench's queue is deleted. It exits 1 when the target fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from pathlib import Path

from bench.lib.intake_parts import (
    AUTH,
    JSON,
    TOKEN,
    BlackHoleAlertmanager,
    Connections,
    Load,
    Sink,
    WebProcess,
    alert,
    bench_broker,
    group_cpu,
    load_average,
    post_all,
    purge_redis,
    queue_seconds,
    queued,
    routing_yaml,
    scratch,
    wait_healthy,
    webhook,
)
from bench.lib.processes import PRODUCTION
from bench.lib.report import code_under_test
from bench.lib.sink import Latencies, ms
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers.alertmanager import AlertmanagerPeer
from tests.harness.peers.common import free_port

ROOT = Path(__file__).resolve().parents[1]

ALERTS = 1000
BATCH_ALERTS = 10_000
BATCH = 100
THREADS = 4
ROUNDS = 10
SEQUENTIAL = 200
PIPELINE_ALERTS = 20
PIPELINE_WARMUP = 2
PAGE_TIMEOUT_S = 30.0
SETTLE_S = 0.2  # after a first page, the rest of its declaration's work, before the next alert


@dataclass
class Target:
    """A server under load: where to POST, how it answers, and whose CPU to count."""

    name: str
    port: int
    path: str
    headers: dict[str, str]
    expect: int
    as_webhook: bool
    pgid: int | None
    posts: int = 0  # every POST it was sent, warm-ups included
    loads: dict[str, list[Load]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # its CPU seconds over each phase
    connections: Connections = field(init=False)

    def __post_init__(self) -> None:
        self.connections = Connections(self.port)

    def total(self, phase: str) -> Load:
        total = Load()
        for load in self.loads.get(phase, []):
            total.add(load)
        total.server_cpu = self.cpu.get(phase, float("nan"))
        return total


@contextmanager
def counting(targets: Sequence[Target], phase: str) -> Iterator[None]:
    """Each target's CPU over a whole phase (one reading each side, not one per round: /proc
    counts in 10 ms ticks). A server idle while the other is measured adds next to nothing."""
    before = [group_cpu(target.pgid) for target in targets]
    yield
    for target, cpu in zip(targets, before, strict=True):
        target.cpu[phase] = group_cpu(target.pgid) - cpu


def bodies(
    target: Target, run: str, seqs: Iterator[int], alerts: int, per_body: int
) -> list[bytes]:
    """``alerts`` new distinct alerts, ``per_body`` a POST (one group each), as ``target``
    takes them: Alertmanager's API list, or the webhook Alertmanager would send muster."""
    out = []
    for _ in range(alerts // per_body):
        first = next(seqs)
        group = f"IntakeBench{first:05d}"
        batch = [
            alert(run, group, first),
            *(alert(run, group, next(seqs)) for _ in range(per_body - 1)),
        ]
        out.append(json.dumps(webhook(batch) if target.as_webhook else batch).encode())
    return out


def measure(
    target: Target, phase: str, run: str, seqs: Iterator[int], alerts: int, per: int, threads: int
) -> Load:
    work = bodies(target, run, seqs, alerts, per)
    load = post_all(
        target.connections, target.path, work, per, threads, target.headers, target.expect
    )
    target.connections.close()  # the next run connects anew (the module's docstring says why)
    target.posts += len(work)
    target.loads.setdefault(phase, []).append(load)
    return load


@dataclass
class Pipeline:
    """Alertmanager -> muster -> first page: the whole way, and split at muster's ``202``."""

    page: Latencies = field(default_factory=Latencies)
    to_intake: Latencies = field(default_factory=Latencies)  # post -> queued, as logged
    to_page: Latencies = field(default_factory=Latencies)  # queued -> page at the sink
    problems: list[str] = field(default_factory=list)


def accepted_times(log: str) -> list[float]:
    """When the web process logged each request that queued a message (wall clock)."""
    times = []
    for line in log.splitlines():
        if '"web.request"' in line and '"task"' in line:
            entry = json.loads(line)
            times.append(
                datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00")).timestamp()
            )
    return times


def pipeline(base: Path, sink: Sink, broker: str | None, alerts: int) -> Pipeline:
    """Alertmanager -> ``muster worker --beat --web`` -> first page at the sink, one at a time."""
    home = base / "pipeline"
    home.mkdir()
    config = home / "routing.yaml"
    config.write_text(routing_yaml(sink.port))
    queue = f"muster-intake-bench-{uuid.uuid4().hex[:8]}"
    port = free_port()
    database = f"sqlite:///{home / 'muster.db'}"
    env = worker_environment(
        home, config, broker, database, queue, PORT=str(port), PYTHONPATH=str(ROOT),
        **PRODUCTION,
    )  # fmt: skip
    result, posted = Pipeline(), []
    with ExitStack() as cleanup:
        cleanup.callback(purge_redis, broker, queue)
        worker = MusterWorker(home=home, env=env, args=("--web",))
        cleanup.callback(worker.stop)
        worker.start(timeout=90)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, 30, worker.process)
        peer = AlertmanagerPeer(home, f"{url}/v1/alertmanager", TOKEN, repeat="4h")
        cleanup.callback(peer.stop)  # before start: a start that times out leaves it running
        peer.start()
        run = uuid.uuid4().hex[:8]
        for seq in range(PIPELINE_WARMUP + alerts):
            wall, started = time.time(), time.perf_counter()
            peer.post(alert(run, f"IntakePipeline{seq:04d}", seq))
            arrived = sink.first(f"IB-{run}-{seq:04d}", PAGE_TIMEOUT_S)
            if arrived is None:
                result.problems.append(f"alert {seq}: no page within {PAGE_TIMEOUT_S:.0f} s")
                break
            posted.append((wall, arrived - started))
            time.sleep(SETTLE_S)
        worker.stop()
        log = worker.log_text()
    result.problems += [
        line[:300] for line in log.splitlines() if '"level": "error"' in line or "Traceback" in line
    ]
    accepted = accepted_times(log)  # one each, in order: no repeats (repeat_interval 4h)
    for (wall, took), at in list(zip(posted, accepted, strict=False))[PIPELINE_WARMUP:]:
        result.page.values.append(took)
        result.to_intake.values.append(at - wall)
        result.to_page.values.append(wall + took - at)
    if len(accepted) != len(posted):
        result.problems.append(f"{len(accepted)} queued lines for {len(posted)} alerts")
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--broker", choices=("embedded", "redis"), default="embedded")
    parser.add_argument("--redis-db", type=int, default=13, help="with --broker redis")
    parser.add_argument("--alerts", type=int, default=ALERTS, help="alerts of (a), 1 a POST")
    parser.add_argument(
        "--batch-alerts", type=int, default=BATCH_ALERTS, help="alerts a round of (b), 100 a POST"
    )
    parser.add_argument("--threads", type=int, default=THREADS, help="client connections")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="of 100-per-POST, alternated")
    parser.add_argument("--sequential", type=int, default=SEQUENTIAL, help="1-thread POSTs")
    parser.add_argument("--pipeline-alerts", type=int, default=PIPELINE_ALERTS)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and logs")
    parser.add_argument(
        "--web-workers",
        type=int,
        default=3 * (os.cpu_count() or 1),
        help="muster web --workers (default: three per CPU, as the README advises)",
    )
    return parser.parse_args(argv)


def spread(loads: list[Load]) -> str:
    rates = sorted(load.rate for load in loads)
    return f"{rates[0]:.0f} / {rates[len(rates) // 2]:.0f} / {rates[-1]:.0f}" if rates else "-"


def report(targets: list[Target], phase: str, label: str, per: int) -> tuple[float, float]:
    """Print one phase side by side: alerts/s, answer times, CPU per alert and per POST."""
    am, muster = (target.total(phase) for target in targets)

    def row(name: str, show: Callable[[Load], str], note: str = "") -> None:
        print(f"  {name:38s} {show(am):>19s} {show(muster):>19s}   {note}")

    def cpu(seconds: float, load: Load, scale: int) -> str:
        return f"{seconds / load.alerts * scale * 1000:.3f} ms" if load.alerts else "-"

    ratio = muster.rate / am.rate if am.rate else float("nan")
    row(label, lambda load: f"{load.rate:.0f} alerts/s", f"muster/AM {ratio:.2f}")
    row(
        "  answer (intake -> broker) p50 / p99",
        lambda load: f"{ms(load.answers.p50).strip()} / {ms(load.answers.p99).strip()}",
    )
    row("  server CPU per alert", lambda load: cpu(load.server_cpu, load, 1))
    if per > 1:
        row("  server CPU per POST", lambda load: cpu(load.server_cpu, load, per))
        row("  client CPU per POST", lambda load: cpu(load.client_cpu, load, per))
        rounds = iter([spread(target.loads[phase]) for target in targets])
        row("  rounds min / median / max", lambda _: next(rounds))
    return am.rate, muster.rate


def ingest(args: argparse.Namespace, targets: list[Target], web: WebProcess) -> float:
    """Warm up, then (a) one alert a POST, (b) 100 a POST in alternated rounds, and one thread
    one alert at a time; returns muster's own mean request -> broker time over (b)."""
    run, seqs = uuid.uuid4().hex[:8], count()
    for target in targets:  # imports, first connections, the broker's first files
        measure(target, "warm-up", run, seqs, 40, 1, args.threads)
        measure(target, "warm-up", run, seqs, 5 * BATCH, BATCH, args.threads)
    for target in targets:
        with counting([target], "one"):
            measure(target, "one", run, seqs, args.alerts, 1, args.threads)
    spent, published = queue_seconds(web.url)
    with counting(targets, "batch"):
        for round_ in range(args.rounds):
            for target in targets if round_ % 2 == 0 else targets[::-1]:
                measure(target, "batch", run, seqs, args.batch_alerts, BATCH, args.threads)
    after = queue_seconds(web.url)
    for target in targets:
        with counting([target], "sequential"):
            measure(target, "sequential", run, seqs, args.sequential, 1, 1)
    return (after[0] - spent) / (after[1] - published) if after[1] > published else float("nan")


def ingest_run(
    args: argparse.Namespace, cleanup: ExitStack, base: Path, sink: Sink, broker: str | None
) -> tuple[float, float, list[str]]:
    """Parts 1 and 2: both servers up, each measured in turn; their figures printed side by
    side. Returns Alertmanager's and muster's 100-per-POST alerts/s, and what went wrong."""
    home = base / "web"
    home.mkdir()
    config = home / "routing.yaml"
    config.write_text(routing_yaml(sink.port))
    queue = f"muster-intake-bench-{uuid.uuid4().hex[:8]}"
    database = f"sqlite:///{home / 'muster.db'}"
    env = worker_environment(home, config, broker, database, queue, PYTHONPATH=str(ROOT))
    cleanup.callback(purge_redis, broker, queue)
    web = WebProcess(home, env, workers=args.web_workers)
    cleanup.callback(web.stop)
    web.start()
    am = BlackHoleAlertmanager(base, f"http://127.0.0.1:{sink.port}/hook", TOKEN)
    cleanup.callback(am.stop)
    am.start()
    targets = [
        Target("Alertmanager", am.port, "/api/v2/alerts", JSON, 200, False, am.process.pid),
        Target("muster web", web.port, "/v1/alertmanager", AUTH, 202, True, web.pid),
    ]
    queueing = ingest(args, targets, web)
    for target in targets:
        target.connections.close()
    on_broker = queued(broker, home, queue)
    am.stop()
    web.stop()
    problems = [
        f"{target.name} {phase}: {failure}"
        for target in targets
        for phase, loads in target.loads.items()
        for load in loads
        for failure in load.failures
    ]
    if on_broker != targets[1].posts:
        problems.append(f"{on_broker} messages on the broker for {targets[1].posts} POSTs")
    print(
        f"\nIngest: {args.threads} keep-alive connections a run; (a) {args.alerts} new "
        f"alerts, (b) {args.rounds} alternated rounds of {args.batch_alerts}"
    )
    print(f"  {'':38s} {'Alertmanager':>19s} {'muster web':>19s}")
    report(targets, "one", f"(a) 1 alert/POST, {args.threads} threads", 1)
    rates = report(targets, "batch", f"(b) {BATCH} alerts/POST, {args.threads} threads", BATCH)
    report(targets, "sequential", "1 alert/POST, 1 thread", 1)
    print(f"  muster's own request -> broker time in (b): mean {ms(queueing).strip()}")
    print(f"  messages on muster's broker: {on_broker} for {targets[1].posts} POSTs accepted")
    print(f"  notifications at Alertmanager's black-hole webhook: {sink.total}")
    return *rates, problems


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.monotonic()
    broker = bench_broker(args.broker, args.redis_db)
    print("muster web intake benchmark")
    print(f"  python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"  code: {code_under_test(ROOT)}")
    print(f"  load average at start: {load_average()}")
    print(f"  broker: {broker or 'embedded (filesystem, in a scratch MUSTER_HOME)'}")
    with ExitStack() as cleanup:
        base = scratch(cleanup, "muster-intake-bench-", args.keep)
        sink = cleanup.enter_context(Sink())
        am_rate, muster_rate, problems = ingest_run(args, cleanup, base, sink, broker)
        print(f"\nAlertmanager -> muster worker --beat --web -> first page ({args.broker})")
        result = pipeline(base, sink, broker, args.pipeline_alerts)
        print(f"  post to Alertmanager -> page at the sink:  {result.page.line()}")
        print(f"    post -> muster's 202 (logged):           {result.to_intake.line()}")
        print(f"    muster's 202 -> page at the sink:        {result.to_page.line()}")
        problems += result.problems

    ok = not problems and muster_rate >= am_rate
    print(
        f"\nSummary ({time.monotonic() - began:.0f} s; load average at the end: "
        f"{' '.join(f'{load:.2f}' for load in os.getloadavg())})"
    )
    for problem in problems[:10]:
        print(f"  !! {problem}")
    print(
        f"  target: muster {BATCH}-per-POST {muster_rate:.0f} alerts/s >= Alertmanager's own "
        f"{am_rate:.0f} alerts/s, every POST accepted and queued   {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
