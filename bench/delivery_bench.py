"""Benchmark: does muster page as fast as its broker and Apprise allow?

A SEV1 is useless if the first page lands late, and a bad day (many incidents at once) must not
queue pages behind each other. muster's pipeline is Celery message -> handler (plan, render, rows)
-> one Celery delivery task per page -> Apprise, so its speed is bounded by two floors that have
nothing to do with muster's own code. This script measures both floors and muster itself, on the
same machine, the same HTTP sink and the same broker, and checks muster against them:

* **Floor A, raw Apprise, no broker.** The very URLs and rendered messages one of the bench's
  incidents produces, sent the way Apprise's README shows (a fresh ``Apprise()`` per send,
  ``add(url)``, ``notify()``; plugin throttling off) to a local HTTP sink: sends/s and per-send
  latency, in a sequential loop and with 8 threads. Not muster's own sender: its savings (a
  kept parse per URL, a reused container per thread) belong to muster's side of the ratio.
* **Floor B, a trivial Celery task's round trip on each broker.** ``bench/_ping_app.py`` (one GET
  to the sink) run by a real worker with muster's settings (threads pool, concurrency 8, prefetch
  1, late acks, JSON; the embedded broker with muster's own transport options): send one task,
  wait for its GET to arrive, repeat; p50/p99 of send -> arrival.
* **muster.** ``muster worker --beat -c 8`` (:class:`tests.integration.harness.MusterWorker`) with
  a config whose SEV1 pages 20 standing roles (one-member rotations) and the service SME by chat,
  email and SMS -- 63 pages and 2 room broadcasts per incident, all ``json://`` POSTs to the sink.
  (a) latency: incidents declared one at a time with :class:`worker.client.Client`, each waited
  for in full; p50/p99 of declare -> first page at the sink. (b) throughput: 20 incidents declared
  at once; deliveries / (last arrival - first declare).

* **Floor C, one durable commit on the worker's database.** A row inserted and committed
  through muster's own engine (``muster.worker.store.db.make_engine``: the same pool, SQLite
  pragmas and PostgreSQL driver) into a scratch table of a database made like the worker's;
  p50/p99 over ``--commits`` transactions. A page is never sent before its row is committed
  (that is what lets it survive a crash), so the first page costs at least this much more than
  a trivial task.

Targets, per broker: first-page p50 <= 1.5 x (Celery RTT p50 + one commit p50 + one Apprise send
p50), and muster's
deliveries/s >= 60% of raw sequential Apprise sends/s (the sequential figure: on a small machine
the 8-thread figure mostly measures GIL contention with the sink). Floor A is measured again for
each broker, just before muster, because a shared machine's load drifts. The sink tells incidents
apart by the incident id in each JSON body. Besides the targets it prints the worker's CPU per
delivery (from ``/proc``, robust to other load: a GIL-bound worker cannot deliver more than one
per that many CPU-milliseconds), duplicates, and deliveries not ``sent`` in muster's database.
``--pause-for-profile N`` prints the worker's pid and waits N seconds (for ``py-spy``);
``--keep`` keeps the scratch folder with the worker logs.

Brokers and databases: the embedded filesystem broker with SQLite, Redis and RabbitMQ with
PostgreSQL, and Redis with SQLite (``redis+sqlite``), all on 127.0.0.1. Workers run with
production sweep/requeue timers (the test harness's 3 s requeue would re-enqueue a burst's
backlog). Run from the repository root::

    .venv/bin/python bench/delivery_bench.py [--brokers embedded,redis,rabbitmq,redis+sqlite]

It stops by itself (every wait is bounded), stops every worker it started, drops its PostgreSQL
databases, and exits 1 when a target fails.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT)]  # tests.integration.harness is not an installed package

import apprise  # noqa: E402
from _ping_app import PING, make_ping_app  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from muster.channels.targets import target_url  # noqa: E402
from muster.config.loader import load_config  # noqa: E402
from muster.worker.broker import transport as muster_broker  # noqa: E402
from muster.worker.client import Client  # noqa: E402
from muster.worker.core.broadcasts import render_declared  # noqa: E402
from muster.worker.core.incident import Incident  # noqa: E402
from muster.worker.core.plan import build_page_plan  # noqa: E402
from muster.worker.core.render import RenderedMessage, render_page  # noqa: E402
from muster.worker.core.routing import Routing  # noqa: E402
from muster.worker.store.db import make_engine  # noqa: E402
from tests.integration.harness import (  # noqa: E402
    RABBITMQ_URL,
    REDIS_URL,
    MusterWorker,
    port_open,
    postgres_database,
    purge,
    worker_environment,
)

ROLES = 20
FLOOR_A_SENDS = 500
FLOOR_A_THREADS = 8
FLOOR_B_PINGS = 200
WARMUP_PINGS = 10
LATENCY_INCIDENTS = 30
BURST_INCIDENTS = 20
INCIDENT_TIMEOUT_S = 60.0
BURST_TIMEOUT_S = 150.0
LATENCY_FACTOR = 1.5
FLOOR_C_COMMITS = 200
THROUGHPUT_SHARE = 0.60

# Production timers (the defaults in worker/app.py and worker/runtime.py): the harness's 0.5 s timer
# scan, 1 s sweep and 3 s requeue are for tests that kill workers; under a burst the requeue would
# re-enqueue every delivery still waiting in the queue, and the scan adds load of its own.
PRODUCTION_TIMERS = {
    "MUSTER_SCAN_EVERY": "5",
    "MUSTER_SWEEP_EVERY": "15",
    "MUSTER_REQUEUE_AFTER": "60",
    "MUSTER_LEASE_SECONDS": "120",
}

BROKER_CHOICES = ("embedded", "redis", "rabbitmq", "redis+sqlite")
INCIDENT_ID = re.compile(rb"inc-[0-9a-f]{12}")
TITLE = "Checkout failing for EU customers"
SUMMARY = "Card payments return HTTP 500 since the 14:02 deploy; about 30% of checkouts fail."


# --- figures ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``values``; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    """Seconds as milliseconds, for printing."""
    return f"{seconds * 1000:8.1f} ms"


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in process group ``pgid`` (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ... utime stime
            total += int(fields[11]) + int(fields[12])
    return total / ticks


@dataclass
class Latencies:
    """A set of measured durations in seconds."""

    values: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return percentile(self.values, 50)

    @property
    def p99(self) -> float:
        return percentile(self.values, 99)

    def line(self) -> str:
        return f"p50 {ms(self.p50)}   p99 {ms(self.p99)}   (n={len(self.values)})"


# --- the sink -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Arrival:
    """One request the sink received: when (``time.perf_counter``) and at which path."""

    at: float
    path: str

    @property
    def is_page(self) -> bool:
        return not self.path.startswith("/room/")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # the default backlog of 5 drops SYNs under 8 concurrent senders


class Sink:
    """A local HTTP server that answers 200 at once and records each request's arrival time.

    A POST is filed under the incident id found in its body (muster's pages and broadcasts all
    carry it), anything else under its path (the ping task's ``GET /ping/RUN/SEQ``).
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._arrivals: dict[str, list[Arrival]] = {}
        self.total = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                at = time.perf_counter()
                found = INCIDENT_ID.search(body)
                self._answer()
                sink.record(found.group().decode() if found else self.path, Arrival(at, self.path))

            def do_GET(self) -> None:
                at = time.perf_counter()
                self._answer()
                sink.record(self.path, Arrival(at, self.path))

            def _answer(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port: int = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Sink:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def record(self, key: str, arrival: Arrival) -> None:
        with self._changed:
            self._arrivals.setdefault(key, []).append(arrival)
            self.total += 1
            self._changed.notify_all()

    def arrivals(self, key: str) -> list[Arrival]:
        with self._changed:
            return list(self._arrivals.get(key, ()))

    def wait(self, keys: Sequence[str], count: int, timeout: float) -> bool:
        """Wait until each of ``keys`` has ``count`` arrivals; False on timeout."""

        def done() -> bool:
            return all(len(self._arrivals.get(key, ())) >= count for key in keys)

        with self._changed:
            return self._changed.wait_for(done, timeout)


# --- the routing config -------------------------------------------------------------------------


def routing_yaml(port: int) -> str:
    """A SEV1 that pages 20 standing roles and the service SME by chat, email and SMS."""
    base = f"json://127.0.0.1:{port}"
    roles = [f"role{i:02d}" for i in range(1, ROLES + 1)]
    people = [f"p{i:02d}" for i in range(1, ROLES + 2)]
    lines = [
        "# Written by bench/delivery_bench.py: every page and broadcast is one POST to its sink.",
        "version: 1",
        "timezone: UTC",
        "severity:",
        "  impacts: [critical, minor]",
        "  urgencies: [high, low]",
        "  matrix:",
        "    critical: {high: SEV1, low: SEV2}",
        "    minor: {high: SEV2, low: SEV2}",
        "  levels:",
        f"    SEV1: {{page: [{', '.join([*roles, 'sme'])}], via: [chat, email, sms],"
        " ack_within: 30m}",
        "    SEV2: {page: [sme], via: [chat]}",
        "roles:",
        *(f"  {role}: {{rotation: r-{role}}}" for role in roles),
        "services:",
        f'  svc: {{smes: r-sme, runbook: "https://runbooks.example.test/svc",'
        f' room: "{base}/room/svc"}}',
        "fallback_service: svc",
        "rotations:",
        *(
            f"  r-{role}: {{members: [{person}]}}"
            for role, person in zip(roles, people, strict=False)
        ),
        f"  r-sme: {{members: [{people[-1]}]}}",
        "people:",
        *(
            f"  {person}: {{name: Person {person}, email: {person}, sms: {person}, chat: {person}}}"
            for person in people
        ),
        "contacts:",
        f'  chat: "{base}/chat/{{chat}}"',
        f'  email: "{base}/email/{{email}}"',
        f'  sms: "{base}/sms/{{sms}}"',
        "  fallback: {sms: email, chat: email}",
        "broadcasts:",
        f'  incident_room: "{base}/room/incidents"',
        f'  summaries: "{base}/room/summaries"',
        f'  stakeholders: "{base}/room/stakeholders"',
        # Limits far above what a run pages: every page reaches the sink, and the fan-out
        # still takes and updates each person's windows (what storm control costs).
        "limits:",
        "  default: {max: 10000, per: 1m}",
        "  kinds: {sms: {max: 10000, per: 1m}}",
    ]
    return "\n".join(lines) + "\n"


def new_incident_id() -> str:
    return f"inc-{uuid.uuid4().hex[:12]}"


def incident_deliveries(routing: Routing) -> list[tuple[str, RenderedMessage]]:
    """The (URL, message) of every page and declaration broadcast one bench incident makes."""
    now = datetime.now(UTC)
    incident = Incident(
        id=new_incident_id(),
        title=TITLE,
        impact="critical",
        urgency="high",
        services=("svc",),
        summary=SUMMARY,
        source="delivery-bench",
        declared_at=now,
    )
    plan = build_page_plan(routing, incident, now)
    sends = [
        (
            target_url(routing, page.person, contact.kind),
            render_page(contact.kind, routing, incident, plan, page),
        )
        for page in plan.pages
        for contact in page.contacts
    ]
    # The declaration goes to the incident room and the service's room (this config has both).
    declared = render_declared(routing, incident, plan)
    rooms = (routing.config.broadcasts.incident_room, routing.config.services["svc"].room)
    sends += [(room, declared) for room in rooms if room]
    return sends


# --- floor A: raw Apprise -----------------------------------------------------------------------


@dataclass
class FloorA:
    """Raw Apprise: sequential and pooled sends/s and per-send latencies."""

    sequential_rate: float
    sequential: Latencies
    pooled_rate: float
    pooled: Latencies
    failures: int
    cpu_per_send: float


def raw_apprise_send(url: str, message: RenderedMessage) -> bool:
    """Apprise as its README shows it: a fresh Apprise object, add the URL, notify (with the
    plugin's throttle off, as muster has it; json:// has none anyway)."""
    targets = apprise.Apprise()
    targets.add(url)
    for plugin in targets:
        plugin.request_rate_per_sec = 0
    formats = {"markdown": apprise.NotifyFormat.MARKDOWN, "text": apprise.NotifyFormat.TEXT}
    return bool(
        targets.notify(
            body=message.body or " ",
            title=message.title,
            body_format=formats.get(message.body_format),
        )
    )


def floor_a(routing: Routing, sends: int) -> FloorA:
    """``sends`` Apprise sends cycling through one incident's deliveries, then with 8 threads."""
    work = incident_deliveries(routing)
    failures = 0

    def one(index: int) -> float:
        nonlocal failures
        url, message = work[index % len(work)]
        started = time.perf_counter()
        ok = raw_apprise_send(url, message)
        took = time.perf_counter() - started
        if not ok:
            failures += 1
        return took

    for index in range(20):  # warm up imports, plugin registry, DNS-free loopback
        one(index)
    started = time.perf_counter()
    cpu = time.process_time()
    sequential = Latencies([one(index) for index in range(sends)])
    sequential_rate = sends / (time.perf_counter() - started)
    cpu_per_send = (time.process_time() - cpu) / sends
    with ThreadPoolExecutor(FLOOR_A_THREADS) as pool:
        list(pool.map(one, range(FLOOR_A_THREADS * 2)))
        started = time.perf_counter()
        pooled = Latencies(list(pool.map(one, range(sends))))
        pooled_rate = sends / (time.perf_counter() - started)
    return FloorA(sequential_rate, sequential, pooled_rate, pooled, failures, cpu_per_send)


# --- floor B: a trivial Celery task -------------------------------------------------------------


@contextmanager
def muster_env(home: Path, queue: str) -> Iterator[None]:
    """``MUSTER_HOME`` and ``MUSTER_QUEUE`` set while a producer app is built (as the tests do)."""
    keys = ("MUSTER_HOME", "MUSTER_QUEUE")
    previous = {key: os.environ.get(key) for key in keys}
    os.environ.update(MUSTER_HOME=str(home), MUSTER_QUEUE=queue)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class Subprocess:
    """A worker subprocess in its own session, stopped like MusterWorker stops muster."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> Subprocess:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log.read_text()[-3000:]}")
            if b" ready." in self.log.read_bytes():
                return self
            time.sleep(0.1)
        raise TimeoutError(f"worker not ready in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def embedded_url() -> str:
    """The URL muster's embedded broker really uses (its own safe filesystem transport)."""
    mapped = getattr(muster_broker, "embedded_scheme", None)  # absent before musterfs://
    return str(mapped("filesystem://")) if mapped is not None else "filesystem://"


@dataclass
class FloorB:
    """A trivial task's round trips, and the worker CPU each task cost."""

    rtt: Latencies
    cpu_per_task: float


def floor_b(url: str | None, home: Path, sink: Sink, pings: int) -> FloorB:
    """Round trips of a one-GET task through a real worker on ``url`` (None: embedded)."""
    home.mkdir(parents=True, exist_ok=True)
    queue = f"muster-bench-ping-{uuid.uuid4().hex[:8]}"
    broker = url or embedded_url()
    env = worker_environment(
        home,
        home / "unused.yaml",
        url,
        "sqlite://",
        queue,
        BENCH_BROKER_URL=broker,
        BENCH_QUEUE=queue,
        PYTHONPATH=os.pathsep.join([str(BENCH), str(ROOT)]),
        **PRODUCTION_TIMERS,
    )
    purge(url, queue)
    worker = Subprocess(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "_ping_app",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "8",
            "--prefetch-multiplier",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        env,
        home,
        home / "ping-worker.log",
    )
    run = uuid.uuid4().hex[:8]
    with ExitStack() as cleanup:
        cleanup.callback(purge, url, queue)
        cleanup.callback(worker.stop)
        worker.start()
        with muster_env(home, queue):
            app = make_ping_app(broker, queue)
        cleanup.callback(app.close)
        rtts = Latencies()
        cpu = math.nan
        for seq in range(WARMUP_PINGS + pings):
            if seq == WARMUP_PINGS and worker.process is not None:
                cpu = group_cpu_seconds(worker.process.pid)
            path = f"/ping/{run}/{seq}"
            started = time.perf_counter()
            app.send_task(PING, args=[f"http://127.0.0.1:{sink.port}{path}"])
            if not sink.wait([path], 1, 10.0):
                print(f"    ping {seq} did not arrive within 10 s; stopping floor B")
                break
            if seq >= WARMUP_PINGS:
                rtts.values.append(sink.arrivals(path)[0].at - started)
        if worker.process is not None:
            cpu = (group_cpu_seconds(worker.process.pid) - cpu) / max(1, len(rtts.values))
    return FloorB(rtts, cpu)


def floor_c(database: Callable[[ExitStack, Path], str], home: Path, commits: int) -> Latencies:
    """One row inserted and committed per transaction through muster's engine, on a database
    made the way the worker's is (a fresh SQLite file, or a fresh PostgreSQL database)."""
    home.mkdir(parents=True, exist_ok=True)
    durations = Latencies()
    with ExitStack() as cleanup:
        engine = make_engine(database(cleanup, home))
        cleanup.callback(engine.dispose)
        with engine.begin() as connection:
            connection.execute(
                text("CREATE TABLE bench_commit (id INTEGER PRIMARY KEY, body TEXT)")
            )
        for index in range(WARMUP_PINGS + commits):
            started = time.perf_counter()
            with engine.begin() as connection:
                connection.execute(
                    text("INSERT INTO bench_commit (id, body) VALUES (:id, :body)"),
                    {"id": index, "body": SUMMARY},
                )
            if index >= WARMUP_PINGS:
                durations.values.append(time.perf_counter() - started)
    return durations


# --- muster -------------------------------------------------------------------------------------


@dataclass
class MusterResult:
    """muster on one broker: first-page latencies and burst throughput."""

    first_page: Latencies = field(default_factory=Latencies)
    first_any: Latencies = field(default_factory=Latencies)
    all_pages: Latencies = field(default_factory=Latencies)
    burst_deliveries: int = 0
    burst_seconds: float = math.nan
    burst_first_page: Latencies = field(default_factory=Latencies)
    burst_complete: bool = False
    duplicates: int = 0
    error_lines: list[str] = field(default_factory=list)
    unsettled: int = -1
    latency_cpu_per_incident: float = math.nan
    burst_cpu_per_delivery: float = math.nan

    @property
    def rate(self) -> float:
        return self.burst_deliveries / self.burst_seconds if self.burst_seconds else math.nan


@dataclass
class MusterRun:
    """A running muster worker, a producer on its queue, and the sink it pages."""

    client: Client
    worker: MusterWorker
    sink: Sink
    expected: int
    database_url: str
    declared: list[str] = field(default_factory=list)
    _settle_engine: Any = None

    def unsettled(self, timeout: float = 10.0) -> int:
        """Deliveries of the bench's incidents not ``sent`` in muster's database (0 is right).

        A page reaches the sink before its row is finished, so this waits up to ``timeout``.
        """
        engine = create_engine(self.database_url)
        query = text(
            "SELECT count(*) FROM deliveries WHERE status != 'sent' AND incident_id IN "
            "(SELECT id FROM incidents WHERE source = 'delivery-bench')"
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                with engine.connect() as connection:
                    left = int(connection.execute(query).scalar_one())
                if left == 0 or time.monotonic() > deadline:
                    return left
                time.sleep(0.2)
        finally:
            engine.dispose()

    def settle(self, incident_id: str, timeout: float = 5.0) -> None:
        """Wait until muster has recorded every delivery of ``incident_id`` (pages reach the
        sink before their rows are finished), polling its database every few milliseconds."""
        if self._settle_engine is None:
            self._settle_engine = create_engine(self.database_url)
        query = text(
            "SELECT count(*) FROM deliveries WHERE incident_id = :incident"
            " AND status NOT IN ('sent', 'failed')"
        )
        deadline = time.monotonic() + timeout
        with self._settle_engine.connect() as connection:
            while time.monotonic() < deadline:
                if not connection.execute(query, {"incident": incident_id}).scalar_one():
                    return
                connection.rollback()
                time.sleep(0.002)

    def declare(self) -> str:
        incident_id = new_incident_id()
        self.declared.append(incident_id)
        self.client.declare(
            incident_id=incident_id,
            title=TITLE,
            impact="critical",
            urgency="high",
            services=["svc"],
            summary=SUMMARY,
            source="delivery-bench",
        )
        return incident_id

    def cpu(self) -> float:
        """CPU seconds the worker (and its beat child) have used so far."""
        process = self.worker.process
        return group_cpu_seconds(process.pid) if process is not None else math.nan

    def first_page(self, incident_id: str) -> float | None:
        pages = [arrival.at for arrival in self.sink.arrivals(incident_id) if arrival.is_page]
        return min(pages) if pages else None


@contextmanager
def muster_worker(
    label: str,
    url: str | None,
    database: Callable[[ExitStack, Path], str],
    base: Path,
    sink: Sink,
    config_text: str,
    expected: int,
) -> Iterator[MusterRun]:
    """``muster worker --beat -c 8`` on ``url`` with its own home, config, database and queue."""
    home = base / f"muster-{label.replace('+', '-')}"
    home.mkdir(parents=True)
    config = home / "routing.yaml"
    config.write_text(config_text)
    queue = f"muster-bench-{uuid.uuid4().hex[:8]}"
    with ExitStack() as cleanup:
        database_url = database(cleanup, home)
        python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env = worker_environment(
            home, config, url, database_url, queue, PYTHONPATH=python_path, **PRODUCTION_TIMERS
        )
        purge(url, queue)
        cleanup.callback(purge, url, queue)
        worker = MusterWorker(home=home, env=env)
        cleanup.callback(worker.stop)
        worker.start(timeout=90)
        with muster_env(home, queue):
            client = Client(url)
        cleanup.callback(client.app.close)
        run = MusterRun(client, worker, sink, expected, database_url)
        try:
            yield run
        finally:
            if run._settle_engine is not None:
                run._settle_engine.dispose()


def measure_latency(run: MusterRun, incidents: int, result: MusterResult) -> None:
    """Declare ``incidents`` one at a time, each waited for in full: declare -> first page."""
    for _ in range(incidents):
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


def measure_burst(run: MusterRun, incidents: int, result: MusterResult) -> None:
    """Declare ``incidents`` back to back: deliveries / (last arrival - first declare)."""
    started = time.perf_counter()
    burst = [run.declare() for _ in range(incidents)]
    result.burst_complete = run.sink.wait(burst, run.expected, BURST_TIMEOUT_S)
    arrivals = [arrival for incident_id in burst for arrival in run.sink.arrivals(incident_id)]
    if arrivals:
        result.burst_deliveries = len(arrivals)
        result.burst_seconds = max(arrival.at for arrival in arrivals) - started
    for incident_id in burst:
        first = run.first_page(incident_id)
        if first is not None:
            result.burst_first_page.values.append(first - started)


def run_muster(
    label: str,
    url: str | None,
    database: Callable[[ExitStack, Path], str],
    base: Path,
    sink: Sink,
    config_text: str,
    expected: int,
    args: argparse.Namespace,
) -> MusterResult:
    """Start a muster worker on ``url``; measure first-page latency, then burst throughput."""
    result = MusterResult()
    with muster_worker(label, url, database, base, sink, config_text, expected) as run:
        warmup = run.declare()
        if not sink.wait([warmup], expected, INCIDENT_TIMEOUT_S):
            print(f"    warm-up incident incomplete: {len(sink.arrivals(warmup))}/{expected}")
        if args.pause_for_profile and run.worker.process is not None:
            print(f"    worker pid {run.worker.process.pid}: attach a profiler now")
            time.sleep(args.pause_for_profile)
        cpu = run.cpu()
        measure_latency(run, args.latency_incidents, result)
        result.latency_cpu_per_incident = (run.cpu() - cpu) / max(1, len(result.first_page.values))
        cpu = run.cpu()
        measure_burst(run, args.burst_incidents, result)
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
    return result


# --- the run ------------------------------------------------------------------------------------


BROKER_URLS: dict[str, str | None] = {
    "embedded": None,
    "redis": REDIS_URL,
    "rabbitmq": RABBITMQ_URL,
    "redis+sqlite": REDIS_URL,
}
PORTS = {"redis": 6379, "rabbitmq": 5672, "redis+sqlite": 6379}


def sqlite_database(_: ExitStack, home: Path) -> str:
    return f"sqlite:///{home / 'muster.db'}"


def postgres(cleanup: ExitStack, _: Path) -> str:
    return cleanup.enter_context(postgres_database())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--brokers",
        default=",".join(BROKER_CHOICES),
        help=f"comma-separated, from {', '.join(BROKER_CHOICES)} (default: all)",
    )
    parser.add_argument("--apprise-sends", type=int, default=FLOOR_A_SENDS)
    parser.add_argument("--pings", type=int, default=FLOOR_B_PINGS)
    parser.add_argument("--commits", type=int, default=FLOOR_C_COMMITS)
    parser.add_argument("--latency-incidents", type=int, default=LATENCY_INCIDENTS)
    parser.add_argument("--burst-incidents", type=int, default=BURST_INCIDENTS)
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
    unknown = [name for name in args.broker_list if name not in BROKER_CHOICES]
    if unknown:
        parser.error(f"unknown broker(s) {', '.join(unknown)}: choose from {BROKER_CHOICES}")
    return args


def git(*args: str) -> str:
    """``git -C ROOT ARGS`` output."""
    return subprocess.run(  # noqa: S603 - fixed arguments
        ["git", "-C", str(ROOT), *args],  # noqa: S607 - git from PATH
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def code_under_test() -> str:
    """Which tree the workers run: the repository's commit (and whether it is edited)."""
    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        edited = git("status", "--porcelain", "--", "worker", "channels", "config").splitlines()
    except (OSError, subprocess.CalledProcessError):
        return f"{ROOT} (not a git checkout)"
    return f"{ROOT} at {commit}" + (f" with {len(edited)} edited files" if edited else "")


def print_floor_a(floor: FloorA, sends: int) -> None:
    print(f"  Floor A - raw Apprise, no broker ({sends} json:// sends to the sink, fresh objects)")
    print(
        f"    sequential: {floor.sequential_rate:6.1f} sends/s   {floor.sequential.line()}"
        f"   CPU {ms(floor.cpu_per_send).strip()}/send incl. the sink"
    )
    pooled = f"{floor.pooled_rate:6.1f} sends/s   {floor.pooled.line()}"
    print(f"    {FLOOR_A_THREADS} threads:  {pooled}")
    if floor.failures:
        print(f"    !! {floor.failures} sends failed")


@dataclass(frozen=True)
class Verdict:
    """One target on one broker: what was measured, the limit, and whether it held."""

    label: str
    target: str
    measured: str
    limit: str
    ok: bool


def judge(
    label: str,
    floor: FloorA,
    rtt: Latencies,
    commit: Latencies,
    result: MusterResult,
    expected: int,
    burst: int,
) -> list[Verdict]:
    """Print muster's figures and the two targets for one broker; return the verdicts."""
    print(f"    (a) declare -> first page  {result.first_page.line()}")
    print(f"        declare -> first POST  {result.first_any.line()}")
    print(f"        declare -> all {expected}      {result.all_pages.line()}")
    state = "complete" if result.burst_complete else "INCOMPLETE"
    print(
        f"    (b) burst of {burst}: {result.burst_deliveries} deliveries in "
        f"{result.burst_seconds:.2f} s = {result.rate:.1f} deliveries/s ({state})"
    )
    print(f"        burst: declare -> each incident's first page {result.burst_first_page.line()}")
    print(
        f"    worker CPU: {result.latency_cpu_per_incident * 1000:.0f} ms per incident one at a "
        f"time; {ms(result.burst_cpu_per_delivery).strip()} per delivery in the burst "
        f"(= {1 / result.burst_cpu_per_delivery:.0f} deliveries per CPU-second)"
    )
    print(
        f"    duplicates: {result.duplicates}; deliveries not 'sent' in the database: "
        f"{result.unsettled}; worker error lines: {len(result.error_lines)}"
    )
    for line in result.error_lines[:3]:
        print(f"      {line[:300]}")
    latency_target = LATENCY_FACTOR * (rtt.p50 + commit.p50 + floor.sequential.p50)
    rate_target = THROUGHPUT_SHARE * floor.sequential_rate
    latency_ok = result.first_page.p50 <= latency_target
    rate_ok = result.burst_complete and result.rate >= rate_target
    print("  targets:")
    print(
        f"    first-page p50 {ms(result.first_page.p50).strip()} <= {LATENCY_FACTOR} x (RTT "
        f"{ms(rtt.p50).strip()} + commit {ms(commit.p50).strip()} + Apprise "
        f"{ms(floor.sequential.p50).strip()}) = {ms(latency_target).strip()}   "
        f"{'PASS' if latency_ok else 'FAIL'}"
    )
    print(
        f"    throughput {result.rate:.1f}/s >= {THROUGHPUT_SHARE:.0%} x "
        f"{floor.sequential_rate:.1f}/s = {rate_target:.1f}/s   {'PASS' if rate_ok else 'FAIL'}"
    )
    return [
        Verdict(
            label,
            "first-page p50",
            ms(result.first_page.p50).strip(),
            f"<= {ms(latency_target).strip()}",
            latency_ok,
        ),
        Verdict(
            label,
            "deliveries/s",
            f"{result.rate:.1f}/s",
            f">= {rate_target:.1f}/s",
            rate_ok,
        ),
    ]


def skip_reason(label: str) -> str | None:
    """Why ``label`` cannot run here (a server it needs is down), or None."""
    if label in PORTS and not port_open(PORTS[label]):
        return f"nothing listens on 127.0.0.1:{PORTS[label]}"
    if label in {"redis", "rabbitmq"} and not port_open(5432):
        return "PostgreSQL is not listening on 127.0.0.1:5432"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.monotonic()
    verdicts: list[Verdict] = []
    base = Path(tempfile.mkdtemp(prefix="muster-delivery-bench-"))
    print("muster delivery benchmark")
    print(f"  python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"  code: {code_under_test()}")
    print(f"  load average at start: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    with ExitStack() as cleanup:
        if args.keep:
            print(f"  keeping {base}")
        else:
            cleanup.callback(shutil.rmtree, base, ignore_errors=True)
        sink = cleanup.enter_context(Sink())
        config_text = routing_yaml(sink.port)
        (base / "routing.yaml").write_text(config_text)
        routing = load_config(base / "routing.yaml").routing
        deliveries = incident_deliveries(routing)
        expected = len(deliveries)
        pages = sum(1 for url, _ in deliveries if "/room/" not in url)
        print(
            f"  sink http://127.0.0.1:{sink.port}; one SEV1 = {pages} pages + "
            f"{expected - pages} broadcasts = {expected} deliveries"
        )
        for label in args.broker_list:
            url = BROKER_URLS[label]
            print(f"\n=== {label} ===")
            reason = skip_reason(label)
            if reason:
                print(f"  skipped: {reason}")
                continue
            # Measured again for each broker, just before muster: the machine's load drifts.
            floor = floor_a(routing, args.apprise_sends)
            print_floor_a(floor, args.apprise_sends)
            home = base / f"ping-{label.replace('+', '-')}"
            ping = floor_b(url, home, sink, args.pings)
            print(f"  Floor B - trivial Celery task RTT (send -> GET at sink): {ping.rtt.line()}")
            print(
                "    worker CPU per trivial task (idle polling included): "
                f"{ms(ping.cpu_per_task).strip()}"
            )
            database = sqlite_database if label in {"embedded", "redis+sqlite"} else postgres
            commit = floor_c(database, base / f"commit-{label.replace('+', '-')}", args.commits)
            print(f"  Floor C - one durable commit on the worker's database: {commit.line()}")
            print(
                f"  muster worker --beat -c 8 on {label} with "
                f"{'SQLite' if database is sqlite_database else 'PostgreSQL'}"
            )
            result = run_muster(label, url, database, base, sink, config_text, expected, args)
            verdicts += judge(
                label, floor, ping.rtt, commit, result, expected, args.burst_incidents
            )

    print(
        f"\nSummary ({time.monotonic() - began:.0f} s; load average at the end: "
        f"{' '.join(f'{load:.2f}' for load in os.getloadavg())})"
    )
    for verdict in verdicts:
        print(
            f"  {verdict.label:13s} {verdict.target:15s} {verdict.measured:>10s} "
            f"{verdict.limit:>13s}   {'PASS' if verdict.ok else 'FAIL'}"
        )
    return 0 if verdicts and all(verdict.ok for verdict in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
