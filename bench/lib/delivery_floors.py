"""The delivery bench's three floors, as samplers the bench interleaves with muster's own samples.

A shared 2-core machine changes speed by 2x within minutes, so a floor measured "just before"
muster describes another machine. Each floor here therefore takes one sample at a time (one raw
Apprise send, one trivial task's round trip, one commit), and the bench takes them between
muster's incidents: floors and muster see the same machine at the same moments.

* **A, raw Apprise, no broker**: the URLs and messages of one bench incident, sent the way
  Apprise's README shows (a fresh ``Apprise()`` per send, ``add(url)``, ``notify()``; plugin
  throttling off) to the sink.
* **B, a trivial Celery task's round trip**: ``bench/lib/ping_app.py`` (one GET to the sink) run by
  a real worker with muster's settings, on the same broker as muster.
* **C, one durable commit**: a row inserted and committed through muster's own engine
  (``make_engine``: the same pool, SQLite pragmas and PostgreSQL driver) on a database made like
  the worker's.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import apprise
from sqlalchemy import Engine, text

from bench.lib.delivery_incident import SUMMARY, incident_deliveries
from bench.lib.ping_app import PING, make_ping_app
from bench.lib.processes import Subprocess, embedded_url, muster_env
from bench.lib.sink import Latencies, Sink
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.store.db import make_engine
from tests.harness.muster_processes import worker_environment
from tests.harness.servers import purge

ROOT = Path(__file__).resolve().parents[2]
WARMUP = 10
# muster's own worker options (threads pool, 8 threads, prefetch 1), without its gossip/mingle.
WORKER_OPTIONS = (
    "--pool=threads",
    "--concurrency=8",
    "--prefetch-multiplier=1",
    "--without-gossip",
    "--without-mingle",
    "--loglevel=INFO",
)
FORMATS = {"markdown": apprise.NotifyFormat.MARKDOWN, "text": apprise.NotifyFormat.TEXT}


# --- floor A: raw Apprise -----------------------------------------------------------------------


def raw_apprise_send(url: str, message: RenderedMessage) -> bool:
    """Apprise as its README shows it: a fresh Apprise object, add the URL, notify (with the
    plugin's throttle off, as muster has it; json:// has none anyway)."""
    targets = apprise.Apprise()
    targets.add(url)
    for plugin in targets:
        plugin.request_rate_per_sec = 0
    return bool(
        targets.notify(
            body=message.body or " ",
            title=message.title,
            body_format=FORMATS.get(message.body_format),
        )
    )


class RawApprise:
    """Sends cycling through one bench incident's deliveries: latencies, and a sequential rate
    from chunks of sends taken whenever the bench asks (``chunk``)."""

    def __init__(self, routing: Routing) -> None:
        self.work = incident_deliveries(routing)
        self.index = 0
        self.failures = 0
        self.latencies = Latencies()
        self.chunk_sends = 0
        self.chunk_seconds = 0.0
        self.chunk_cpu = 0.0
        for _ in range(20):  # warm up imports, the plugin registry, loopback connections
            self._one()

    def _one(self) -> float:
        url, message = self.work[self.index % len(self.work)]
        self.index += 1
        started = time.perf_counter()
        if not raw_apprise_send(url, message):
            self.failures += 1
        return time.perf_counter() - started

    def sample(self, sends: int) -> None:
        """``sends`` sequential sends, each kept as a latency."""
        self.latencies.values += [self._one() for _ in range(sends)]

    def chunk(self, sends: int) -> None:
        """``sends`` back-to-back sends counted toward the sequential rate (and CPU per send)."""
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(sends):
            self._one()
        self.chunk_seconds += time.perf_counter() - started
        self.chunk_cpu += time.process_time() - cpu
        self.chunk_sends += sends

    @property
    def rate(self) -> float:
        return self.chunk_sends / self.chunk_seconds if self.chunk_seconds else float("nan")

    @property
    def cpu_per_send(self) -> float:
        return self.chunk_cpu / self.chunk_sends if self.chunk_sends else float("nan")

    def pooled_rate(self, threads: int, sends: int) -> float:
        """Sends/s with ``threads`` senders (printed only: on 2 cores it measures the GIL)."""
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: self._one(), range(threads * 2)))
            started = time.perf_counter()
            list(pool.map(lambda _: self._one(), range(sends)))
            return sends / (time.perf_counter() - started)


# --- floor B: a trivial Celery task -------------------------------------------------------------


class PingWorker:
    """A real Celery worker running the one-GET ping task on the bench's broker."""

    def __init__(self, url: str | None, home: Path, sink: Sink, env: dict[str, str]) -> None:
        self.url, self.home, self.sink = url, home, sink
        self.queue = f"muster-bench-ping-{uuid.uuid4().hex[:8]}"
        self.broker = url or embedded_url()
        self.run = uuid.uuid4().hex[:8]
        self.seq = 0
        self.rtt = Latencies()
        self.lost = 0
        self.env = worker_environment(
            home,
            home / "unused.yaml",
            url,
            "sqlite://",
            self.queue,
            BENCH_BROKER_URL=self.broker,
            BENCH_QUEUE=self.queue,
            PYTHONPATH=str(ROOT),
            **env,
        )

    @contextmanager
    def running(self) -> Iterator[PingWorker]:
        self.home.mkdir(parents=True, exist_ok=True)
        purge(self.url, self.queue)
        worker = Subprocess(
            [sys.executable, "-m", "celery", "-A", "bench.lib.ping_app", "worker", *WORKER_OPTIONS],
            self.env,
            self.home,
            self.home / "ping-worker.log",
        )
        with ExitStack() as cleanup:
            cleanup.callback(purge, self.url, self.queue)
            cleanup.callback(worker.stop)
            worker.start()
            with muster_env(self.home, self.queue):
                self.app = make_ping_app(self.broker, self.queue)
            cleanup.callback(self.app.close)
            for _ in range(WARMUP):
                self._ping()
            self.rtt.values.clear()
            yield self

    def _ping(self) -> None:
        path = f"/ping/{self.run}/{self.seq}"
        self.seq += 1
        started = time.perf_counter()
        self.app.send_task(PING, args=[f"http://127.0.0.1:{self.sink.port}{path}"])
        if self.sink.wait([path], 1, 10.0):
            self.rtt.values.append(self.sink.arrivals(path)[0].at - started)
        else:
            self.lost += 1

    def sample(self) -> None:
        """One round trip: send the task, wait for its GET at the sink."""
        self._ping()


# --- floor C: one durable commit ----------------------------------------------------------------


class Commits:
    """One row inserted and committed per transaction through muster's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.index = 0
        self.latencies = Latencies()
        with engine.begin() as connection:
            connection.execute(
                text("CREATE TABLE bench_commit (id INTEGER PRIMARY KEY, body TEXT)")
            )
        for _ in range(WARMUP):
            self.sample()
        self.latencies.values.clear()

    @classmethod
    @contextmanager
    def on(cls, database: Callable[[ExitStack, Path], str], home: Path) -> Iterator[Commits]:
        """On a database made the way the worker's is (a fresh SQLite file or PG database)."""
        home.mkdir(parents=True, exist_ok=True)
        with ExitStack() as cleanup:
            engine = make_engine(database(cleanup, home))
            cleanup.callback(engine.dispose)
            yield cls(engine)

    def sample(self) -> None:
        started = time.perf_counter()
        with self.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO bench_commit (id, body) VALUES (:id, :body)"),
                {"id": self.index, "body": SUMMARY},
            )
        self.index += 1
        self.latencies.values.append(time.perf_counter() - started)


@dataclass
class Floors:
    """The three floors of one broker, sampled together between muster's incidents."""

    apprise: RawApprise
    ping: PingWorker
    commits: Commits
    sends_per_sample: int = 3

    def sample(self) -> None:
        self.apprise.sample(self.sends_per_sample)
        self.ping.sample()
        self.commits.sample()
