"""Benchmark: which server-less broker should muster embed, and does its recovery close the gap?

muster runs without a broker server on kombu's filesystem transport (``worker/broker.py``) and
closes that transport's one hole, a message fetched but never handled by a worker that was killed,
by keeping every fetched file in a ``processed`` folder and putting back at start-up each one whose
task id never reached ``consumed_messages`` (``worker/broker/recovery.py``). The alternative that
also needs no server is kombu's SQLAlchemy transport on SQLite (``sqla+sqlite:///…``). Paging is
latency-critical and must not drop a page, so the choice rests on three measurements, taken here
for both transports with a real ``celery -A … worker`` subprocess (threads pool, concurrency 4,
prefetch multiplier 1, ``acks_late``, JSON), each task appending its id and a timestamp to a file:

1. throughput: 2,000 trivial tasks published as fast as possible, tasks/s from the first publish
   to the last execution; for the filesystem transport also with muster's per-message bookkeeping
   (:func:`muster.worker.broker.recovery.mark_consumed` in ``task_postrun``), which its recovery
   needs;
2. latency: 100 tasks one at a time, each published at a random point of the worker's poll,
   publish → execution p50/p99;
3. ``kill -9`` loss: 200 tasks of 0.2 s, the worker's process group SIGKILLed in the middle of
   its tasks after ~50 finished, the worker restarted, and the tasks that never ran (lost) or ran
   twice (duplicates) counted: for both transports as they are, and for the filesystem transport
   with muster's own recovery
   (:func:`muster.worker.broker.recovery.recover` before the restart, with finished ids recorded by
   :func:`muster.worker.broker.recovery.mark_consumed` in a ``task_postrun`` handler, into a muster
   database migrated with :meth:`worker.store.db.Database.connect`), i.e. muster's real code.

A probe first holds one filesystem publish between kombu's ``open()`` and ``write()`` (the window a
busy machine opens by descheduling the publisher) to show what a worker that fetches the empty
file does, with and without muster's recovery. Workers are supervised: one that dies on its own
is counted as a crash and restarted (after muster's ``recover`` where muster's recovery is on).

The filesystem transport gets muster's exact options
(:func:`muster.worker.broker.transport.transport_options`, polling interval 0.1 s). The
SQLAlchemy transport hands every transport option to ``create_engine``, so it is first probed
with ``broker_transport_options={'polling_interval': 0.1}`` (reported), then run with kombu's
class-level ``Transport.polling_interval`` set to 0.1 s, the one way left to poll as fast as the
filesystem transport does. It also reports what each
transport leaves behind: kept files, SQL rows never deleted.

Run it from the repository root with ``.venv/bin/python -m bench.embedded_broker_bench`` (about
three minutes on 2 cores; ``--keep`` leaves the scratch folder for inspection). The same file is
the worker's Celery app: the script starts ``celery -A bench.embedded_broker_bench:app worker``
with its settings in the ``EMBEDDED_BENCH_WORKER`` environment variable, and stops every worker
it started.
Figures move with the machine's load (they varied up to 2x between runs on a shared 2-core box).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kombu.transport.filesystem as kombu_fs
import kombu.transport.sqlalchemy as kombu_sqla
from celery import Celery
from celery.signals import task_postrun, worker_ready
from kombu import Connection

from muster.config.settings import DEMO_CONFIG, Settings
from muster.config.watch import ConfigSource
from muster.worker.broker import recovery as embedded_broker
from muster.worker.broker.transport import transport_options
from muster.worker.runtime import Runtime
from muster.worker.store.db import Database

ROOT = Path(__file__).resolve().parents[1]
CELERY = Path(sys.executable).with_name("celery")
WORKER_ENV = "EMBEDDED_BENCH_WORKER"

FS = "filesystem"
SQLA = "sqla"
POLL = 0.1
QUEUE = "bench"
CONCURRENCY = 4

THROUGHPUT_TASKS = 2_000
LATENCY_TASKS = 100
KILL_TASKS = 200
KILL_AFTER = 50
NAP = 0.2
QUIET = 2.0
SEED = 20260101

FS_PLAIN = "filesystem"
FS_BOOKED = "filesystem + bookkeeping"
SQLITE = "sqla+sqlite"
SPEED_RUNS = ((FS_PLAIN, FS, False), (FS_BOOKED, FS, True), (SQLITE, SQLA, False))
KILL_PLAIN = "filesystem, no recovery"
KILL_SQLA = "sqla+sqlite, no recovery"
KILL_RECOVERED = "filesystem + muster recovery"
RACE_PLAIN = "plain celery worker"
RACE_MUSTER = "with muster's recovery"
KILL_RUNS = ((KILL_PLAIN, FS, False), (KILL_SQLA, SQLA, False), (KILL_RECOVERED, FS, True))


# --- the Celery app, shared by the publishing script and the worker subprocess -----------------


def broker_settings(kind: str, home: Path) -> tuple[str, dict[str, Any]]:
    """Broker URL and transport options for ``kind``, with its files under ``home``."""
    if kind == FS:
        os.environ["MUSTER_HOME"] = str(home)
        os.environ["MUSTER_POLL_INTERVAL"] = str(POLL)
        return "filesystem://", transport_options("filesystem://", Settings())
    # Transport options would reach create_engine (see sqla_option_probe): poll via the class.
    kombu_sqla.Transport.polling_interval = POLL
    return f"sqla+sqlite:///{home / 'broker.db'}", {}


def record(home: Path, event: str, task_id: str, index: int) -> None:
    """Append one ``event task_id index unix_time`` line; O_APPEND keeps lines whole."""
    line = f"{event} {task_id} {index} {time.time():.6f}\n".encode()
    fd = os.open(home / "executions.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def make_app(kind: str, home: Path, options: dict[str, Any] | None = None) -> Celery:
    """muster's Celery settings (JSON, acks_late, prefetch 1) on ``kind``'s broker."""
    url, opts = broker_settings(kind, home)
    app = Celery("embedded_bench", broker=url, set_as_current=False)
    app.conf.update(
        broker_transport_options=opts if options is None else options,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        worker_hijack_root_logger=False,
    )

    @app.task(name="bench.touch", bind=True)
    def touch(self: Any, index: int) -> None:
        record(home, "done", self.request.id, index)

    @app.task(name="bench.nap", bind=True)
    def nap(self: Any, index: int) -> None:
        record(home, "start", self.request.id, index)
        time.sleep(NAP)
        record(home, "done", self.request.id, index)

    return app


def muster_runtime(home: Path, migrate: bool) -> Runtime:
    """A muster runtime whose database is ``home/muster.db`` (what recover/mark_consumed use)."""
    database = Database.connect(f"sqlite:///{home / 'muster.db'}", migrate=migrate)
    return Runtime(database=database, config=ConfigSource(DEMO_CONFIG))


def worker_app() -> Celery:
    """The app that ``celery -A bench.embedded_broker_bench:app worker`` runs, set by the driver."""
    settings = json.loads(os.environ[WORKER_ENV])
    home = Path(settings["home"])
    celery_app = make_app(settings["kind"], home, settings.get("options"))

    def ready(**_: Any) -> None:
        (home / "ready").write_text(str(os.getpid()), encoding="utf-8")

    worker_ready.connect(ready, weak=False)
    if settings.get("record"):
        lock = threading.Lock()
        runtimes: list[Runtime] = []

        def mark(task_id: str | None = None, **_: Any) -> None:
            # muster's own task_postrun handler, minus its "is the broker embedded" check.
            if not task_id:
                return
            with lock:
                if not runtimes:
                    runtimes.append(muster_runtime(home, migrate=False))
            embedded_broker.mark_consumed(runtimes[0], task_id)

        task_postrun.connect(mark, weak=False)
    return celery_app


app: Celery | None = worker_app() if WORKER_ENV in os.environ else None


# --- driving workers -----------------------------------------------------------------------------


class Worker:
    """One ``celery worker`` subprocess in its own process group."""

    running: list[Worker] = []  # noqa: RUF012 - every worker started, to stop them all at exit

    def __init__(self, kind: str, home: Path, record_consumed: bool = False, **extra: Any) -> None:
        settings = {"kind": kind, "home": str(home), "record": record_consumed, **extra}
        env = {**os.environ, WORKER_ENV: json.dumps(settings)}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        (home / "ready").unlink(missing_ok=True)
        self.home = home
        self.log = home / f"worker-{time.monotonic_ns()}.log"
        started = time.monotonic()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own celery, our own arguments
                [
                    str(CELERY),
                    "-A",
                    "bench.embedded_broker_bench:app",
                    "worker",
                    "--pool",
                    "threads",
                    "--concurrency",
                    str(CONCURRENCY),
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        Worker.running.append(self)
        self.ready = self._wait_ready(timeout=30.0)
        self.startup = time.monotonic() - started

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (self.home / "ready").exists():
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.02)
        return False

    def last_error(self) -> str:
        """The worker's CRITICAL line if it printed one, else its last non-blank line."""
        lines = [line for line in self.log.read_text(errors="replace").splitlines() if line]
        critical = [line.split("] ", 1)[-1] for line in lines if "CRITICAL" in line]
        return (critical or lines or ["(no output)"])[-1]

    def kill(self) -> None:
        """SIGKILL the whole process group, as an OOM killer or ``kill -9`` would."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)
        Worker.running.remove(self)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), SIGKILL if it takes over 10 s."""
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout=10)
        if self in Worker.running:
            Worker.running.remove(self)

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    @classmethod
    def stop_all(cls) -> None:
        for worker in list(cls.running):
            worker.stop()


class Supervisor:
    """Keeps one worker running, as systemd or a Procfile runner would: a dead one is restarted.

    With ``muster`` set the workers record finished ids through muster's ``mark_consumed`` and every
    (re)start is preceded by muster's ``recover``, as ``muster worker`` does; without it a restart
    is a plain ``celery worker``. Deaths the bench did not cause are kept in ``crashes``.
    """

    def __init__(self, kind: str, home: Path, muster: bool) -> None:
        self.kind, self.home = kind, home
        self.rt = muster_runtime(home, migrate=True) if muster else None
        self.crashes: list[str] = []
        self.restored = 0
        self.worker = self._start()
        self.startup = self.worker.startup

    def _start(self) -> Worker:
        if self.rt is not None:
            self.restored += embedded_broker.recover(self.rt)
        worker = Worker(self.kind, self.home, record_consumed=self.rt is not None)
        if not worker.ready:
            raise RuntimeError(f"{self.kind} worker did not start: {worker.last_error()}")
        return worker

    def check(self) -> None:
        """Restart the worker if it died on its own."""
        if self.worker.process.poll() is not None:
            self.crashes.append(self.worker.last_error())
            self.worker.stop()
            self.worker = self._start()

    def restart(self) -> int:
        """Start a new worker once the old one is dead; how many messages recover() put back."""
        before = self.restored
        self.worker = self._start()
        return self.restored - before

    def stop(self) -> None:
        self.worker.stop()
        if self.rt is not None:
            self.rt.database.engine.dispose()


# --- observing executions ------------------------------------------------------------------------


class Executions:
    """The lines tasks append to ``home/executions.log``, read incrementally."""

    def __init__(self, home: Path) -> None:
        self.path = home / "executions.log"
        self.offset = 0
        self.done: dict[str, list[float]] = {}
        self.started: dict[str, list[float]] = {}

    def poll(self) -> bool:
        """Read the lines appended since the last call; whether there were any."""
        try:
            with self.path.open("rb") as log:
                log.seek(self.offset)
                data = log.read()
        except FileNotFoundError:
            return False
        complete = data[: data.rfind(b"\n") + 1]  # a line still being written waits
        self.offset += len(complete)
        for line in complete.decode().splitlines():
            event, task_id, _index, at = line.split()
            target = self.done if event == "done" else self.started
            target.setdefault(task_id, []).append(float(at))
        return bool(complete)

    def wait_for(
        self,
        ids: set[str],
        supervisor: Supervisor,
        timeout: float,
        stall: float | None = None,
        every: float = 0.001,
    ) -> None:
        """Poll until all ``ids`` are done, ``timeout`` passes or nothing ran for ``stall`` s."""
        deadline = time.monotonic() + timeout
        last_change = time.monotonic()
        while not ids <= self.done.keys() and time.monotonic() < deadline:
            supervisor.check()
            if self.poll():
                last_change = time.monotonic()
            elif stall is not None and time.monotonic() - last_change > stall:
                return
            time.sleep(every)

    def wait_quiet(self, ids: set[str], supervisor: Supervisor, quiet: float) -> None:
        """Poll until nothing new is logged for ``quiet`` s (1 s once all of ``ids`` ran)."""
        deadline = time.monotonic() + 60
        last_change = time.monotonic()
        while time.monotonic() < deadline:
            supervisor.check()
            if self.poll():
                last_change = time.monotonic()
            idle = time.monotonic() - last_change
            if idle >= quiet or (ids <= self.done.keys() and idle >= 1.0):
                return
            time.sleep(0.05)

    def runs(self, ids: set[str]) -> dict[str, int]:
        """Of ``ids``: how many ran at least once, never (lost), and more than once (duplicates)."""
        counts = Counter({task_id: len(self.done.get(task_id, [])) for task_id in ids})
        return {
            "ran": sum(1 for count in counts.values() if count),
            "lost": sum(1 for count in counts.values() if not count),
            "duplicates": sum(count - 1 for count in counts.values() if count > 1),
        }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


# --- what a transport leaves behind --------------------------------------------------------------


def store_state(kind: str, home: Path) -> dict[str, int]:
    """Messages waiting and kept: files for the filesystem, rows for SQLite."""
    if kind == FS:
        queued = list((home / "broker" / "queue").glob("*.msg"))
        kept = list((home / "broker" / "processed").glob("*.msg"))
        return {
            "queued": len(queued),
            "kept": len(kept),
            "kept_bytes": sum(path.stat().st_size for path in kept),
        }
    with sqlite3.connect(home / "broker.db") as db:
        total, visible = db.execute(
            "SELECT count(*), coalesce(sum(visible), 0) FROM kombu_message"
        ).fetchone()
    return {
        "rows": total,
        "visible": visible,
        "invisible": total - visible,
        "db_bytes": (home / "broker.db").stat().st_size,
    }


def unfinished_fetched(kind: str, home: Path, done: set[str]) -> int:
    """Fetched messages (kept file or invisible row) whose task never finished."""
    if kind == FS:
        kept = (home / "broker" / "processed").glob("*.msg")
        return sum(1 for path in kept if embedded_broker.message_id(path) not in done)
    with sqlite3.connect(home / "broker.db") as db:
        query = "SELECT payload FROM kombu_message WHERE NOT visible"
        payloads = [row[0] for row in db.execute(query)]
    return sum(1 for payload in payloads if json.loads(payload)["headers"]["id"] not in done)


# --- the measurements ----------------------------------------------------------------------------


def fresh_home(scratch: Path, name: str) -> Path:
    home = scratch / name
    home.mkdir(parents=True)
    return home


def publish(app: Celery, task: str, index: int) -> str:
    return str(app.send_task(task, args=[index]).id)


def sqla_option_probe(scratch: Path) -> dict[str, Any]:
    """What ``broker_transport_options={'polling_interval': 0.1}`` does to the sqla transport."""
    home = fresh_home(scratch, "sqla-option-probe")
    found: dict[str, Any] = {}
    try:
        with Connection(
            f"sqla+sqlite:///{home / 'broker.db'}", transport_options={"polling_interval": POLL}
        ) as conn:
            conn.SimpleQueue(QUEUE).put({"probe": 1})
        found["publish"] = "accepted"
    except TypeError as error:
        found["publish"] = f"TypeError: {str(error).split(',')[0]}"
    worker = Worker(SQLA, home, options={"polling_interval": POLL})
    found["worker"] = (
        "started"
        if worker.ready
        else f"exit code {worker.process.returncode}: {worker.last_error()[:110]}"
    )
    worker.stop()
    return found


def race_probe(scratch: Path, muster: bool) -> dict[str, Any]:
    """A filesystem publish caught between ``open()`` and ``write()``, as a busy machine can.

    kombu's filesystem ``_put`` creates the message file in the queue folder, then takes an
    advisory ``flock`` and writes; ``_get`` lists the folder and moves and reads the file without
    taking that lock. Here the publisher holds the file empty for 0.5 s (by slowing kombu's
    ``lock``), so the polling worker is sure to fetch it in that window.
    """
    home = fresh_home(scratch, f"filesystem-race{'-muster' if muster else ''}")
    app = make_app(FS, home)
    supervisor = Supervisor(FS, home, muster)
    log = Executions(home)
    try:
        log.wait_for({publish(app, "bench.touch", -1)}, supervisor, timeout=10)  # warm up
        original: Callable[[Any, int], None] = kombu_fs.lock

        def slow_lock(file: Any, flags: int) -> None:
            original(file, flags)
            time.sleep(0.5)

        kombu_fs.lock = slow_lock
        try:
            task_id = publish(app, "bench.touch", 0)
        finally:
            kombu_fs.lock = original
        first = supervisor.worker
        first.process.wait(timeout=10)  # if this times out, the race did not crash it
        died = f"exit code {first.process.returncode}: {first.last_error()[:90]}"
        kept = next((home / "broker" / "processed").glob("*.msg"), None)
        kept_bytes = 0 if kept is None else kept.stat().st_size
        log.wait_for({task_id}, supervisor, timeout=10, stall=3)
    except subprocess.TimeoutExpired:
        died = "worker kept running"
        kept_bytes = -1
    finally:
        supervisor.stop()
    return {
        "worker": died,
        "kept_bytes": kept_bytes,
        "restored": supervisor.restored,
        "ran": task_id in log.done,
    }


def throughput_and_latency(
    kind: str, scratch: Path, rng: random.Random, bookkeeping: bool = False
) -> dict[str, Any]:
    """Throughput of 2,000 tasks, then latency of 100 one at a time, on one supervised worker.

    With ``bookkeeping`` every task also records its id through muster's ``mark_consumed``, the
    price muster's recovery costs on every message, and a restart after a crash recovers.
    """
    home = fresh_home(scratch, f"{kind}-speed{'-bookkeeping' if bookkeeping else ''}")
    app = make_app(kind, home)
    supervisor = Supervisor(kind, home, bookkeeping)
    log = Executions(home)
    try:
        log.wait_for({publish(app, "bench.touch", -1)}, supervisor, timeout=10)  # warm up

        started = time.time()
        ids = {publish(app, "bench.touch", index) for index in range(THROUGHPUT_TASKS)}
        published = time.time()
        # Timestamps come from the log, so a slow poll here does not skew the figure.
        log.wait_for(ids, supervisor, timeout=120, stall=5, every=0.05)
        ran = ids & log.done.keys()
        last = max(log.done[task_id][0] for task_id in ran) if ran else published
        after_throughput = store_state(kind, home)
        crashes_in_throughput = len(supervisor.crashes)

        latencies: list[float] = []
        latency_ids: set[str] = set()
        for index in range(LATENCY_TASKS):
            time.sleep(rng.uniform(0, 2 * POLL))  # arrive at a random point of the worker's poll
            sent = time.time()
            task_id = publish(app, "bench.touch", 10_000 + index)
            latency_ids.add(task_id)
            log.wait_for({task_id}, supervisor, timeout=5)
            if task_id in log.done:
                latencies.append(log.done[task_id][0] - sent)
        log.wait_quiet(ids | latency_ids, supervisor, quiet=1.0)
    finally:
        supervisor.stop()
    log.poll()
    return {
        "startup_s": supervisor.startup,
        "publish_per_s": THROUGHPUT_TASKS / (published - started),
        "tasks_per_s": len(ran) / (last - started),
        "ran": len(ran),
        "crashes": supervisor.crashes,
        "crashes_in_throughput": crashes_in_throughput,
        "runs": log.runs(ids | latency_ids),
        "after_throughput": after_throughput,
        "latency_ms": [value * 1000 for value in latencies],
        "fetched": 1 + THROUGHPUT_TASKS + LATENCY_TASKS,
        "after_all": store_state(kind, home),
    }


def kill_test(kind: str, scratch: Path, recovery: bool) -> dict[str, Any]:
    """Publish 200 naps, kill -9 after ~50 finished, restart, count lost and duplicated."""
    home = fresh_home(scratch, f"{kind}-kill{'-recovery' if recovery else ''}")
    app = make_app(kind, home)
    supervisor = Supervisor(kind, home, recovery)
    log = Executions(home)
    try:
        ids = {publish(app, "bench.nap", index) for index in range(KILL_TASKS)}
        while len(log.done) < KILL_AFTER or not log.started.keys() - log.done.keys():
            supervisor.check()
            time.sleep(0.005)  # tasks run in waves of 4: wait for the next wave to start ...
            log.poll()
        time.sleep(NAP / 2)  # ... and kill it in the middle of its tasks
        supervisor.worker.kill()
        log.poll()
        done_at_kill = set(log.done)
        in_flight = len(log.started.keys() - done_at_kill)
        store_at_kill = store_state(kind, home)
        fetched_unfinished = unfinished_fetched(kind, home, done_at_kill)
        restored = supervisor.restart()  # recover() first when muster's recovery is on
        log.wait_quiet(ids, supervisor, quiet=QUIET)
    finally:
        supervisor.stop()
    log.poll()
    return {
        "done_at_kill": len(done_at_kill),
        "in_flight_at_kill": in_flight,
        "fetched_unfinished": fetched_unfinished,
        "store_at_kill": store_at_kill,
        "restored": restored if recovery else None,
        "crashes": supervisor.crashes,
        **log.runs(ids),
        "store_after": store_state(kind, home),
    }


# --- report --------------------------------------------------------------------------------------


def fmt_state(state: dict[str, int]) -> str:
    return ", ".join(f"{key}={value}" for key, value in state.items())


def report(
    probe: dict[str, Any],
    races: dict[str, dict[str, Any]],
    speed: dict[str, dict[str, Any]],
    kills: dict[str, Any],
) -> None:
    print("\nsqla transport with broker_transport_options={'polling_interval': 0.1}:")
    print(f"  publish: {probe['publish']}")
    print(f"  worker:  {probe['worker']}")
    print(f"  -> ran with kombu.transport.sqlalchemy.Transport.polling_interval = {POLL} instead")

    print("\nfilesystem transport, a publish caught between open() and write() (held 0.5 s):")
    for name, found in races.items():
        print(
            f"  {name}: worker {found['worker']}\n"
            f"    kept file once the publisher finished: {found['kept_bytes']} bytes;"
            f" recover() put back {found['restored']}; the task ran: {found['ran']}"
        )

    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("worker start-up (s)", lambda s: f"{s['startup_s']:.2f}"),
        ("publish rate, 1 thread (msg/s)", lambda s: f"{s['publish_per_s']:.0f}"),
        (f"throughput, {THROUGHPUT_TASKS} tasks (tasks/s)", lambda s: f"{s['tasks_per_s']:.1f}"),
        ("  tasks that ran", lambda s: f"{s['ran']}/{THROUGHPUT_TASKS}"),
        (f"latency p50, {LATENCY_TASKS} tasks (ms)", lambda s: ms(s["latency_ms"], 50)),
        ("latency p99 (ms)", lambda s: ms(s["latency_ms"], 99)),
        ("latency max (ms)", lambda s: ms(s["latency_ms"], 100)),
        ("worker crashes (restarted)", lambda s: str(len(s["crashes"]))),
        (
            f"all {THROUGHPUT_TASKS + LATENCY_TASKS}: lost / ran twice",
            lambda s: f"{s['runs']['lost']} / {s['runs']['duplicates']}",
        ),
    ]
    print(f"\nAll polling every {POLL} s; threads pool x{CONCURRENCY}, prefetch 1, acks_late.")
    print("'bookkeeping' = muster's mark_consumed in task_postrun, and recover() at each restart.")
    print(f"{'measure':<36}" + "".join(f"{label:>25}" for label, _, _ in SPEED_RUNS))
    for label, cell in rows:
        print(f"{label:<36}" + "".join(f"{cell(speed[name]):>25}" for name, _, _ in SPEED_RUNS))

    print(
        f"\nkill -9 of the worker's process group mid-task after ~{KILL_AFTER} of {KILL_TASKS}"
        f" tasks of {NAP} s, then restart:"
    )
    print(
        f"{'scenario':<30}{'done@kill':>10}{'in flight':>10}{'fetched':>8}"
        f"{'restored':>9}{'ran':>5}{'lost':>5}{'dups':>5}{'crashes':>8}"
    )
    for name, found in kills.items():
        restored = "-" if found["restored"] is None else str(found["restored"])
        print(
            f"{name:<30}{found['done_at_kill']:>10}{found['in_flight_at_kill']:>10}"
            f"{found['fetched_unfinished']:>8}{restored:>9}{found['ran']:>5}"
            f"{found['lost']:>5}{found['duplicates']:>5}{len(found['crashes']):>8}"
        )
    print("  in flight = started, not finished, at the kill; fetched = taken from the store, not")
    print("  finished; restored = messages recover() put back (unfinished, or finished but not yet")
    print("  recorded: those run twice); ran = distinct tasks that finished at least once;")
    print("  crashes = deaths the bench did not cause, each followed by a restart")
    reasons = Counter(
        reason for found in [*speed.values(), *kills.values()] for reason in found["crashes"]
    )
    for reason, count in reasons.items():
        print(f"  crash x{count}: {reason[:120]}")

    print("\nWhat each store holds (nothing here prunes; muster's sweep prunes kept files):")
    for name, _, _ in SPEED_RUNS:
        found = speed[name]
        print(f"  {name}, after {THROUGHPUT_TASKS} tasks: {fmt_state(found['after_throughput'])}")
        print(f"  {name}, after all {found['fetched']}: {fmt_state(found['after_all'])}")
    for name, found in kills.items():
        print(f"  {name}, at the kill: {fmt_state(found['store_at_kill'])}")
        print(f"  {name}, at the end:  {fmt_state(found['store_after'])}")

    fs, booked, sqla = speed[FS_PLAIN], speed[FS_BOOKED], speed[SQLITE]
    p99 = " / ".join(ms(speed[name]["latency_ms"], 99) for name, _, _ in SPEED_RUNS)
    raced = races[RACE_MUSTER]
    print("\nChoice for the embedded default: the filesystem transport with muster's recovery,")
    print("once its publish is made atomic (write elsewhere, then rename into the queue folder).")
    print(
        f"  - kill -9: lost {kills[KILL_RECOVERED]['lost']}/{KILL_TASKS} with recovery"
        f" ({kills[KILL_RECOVERED]['duplicates']} ran twice, harmless for idempotent tasks);"
        f" without it filesystem lost {kills[KILL_PLAIN]['lost']}, sqla"
        f" {kills[KILL_SQLA]['lost']}."
    )
    print(
        (
            f"  - publish race: the worker died on a half-written file ({raced['worker'][:11]});"
            f" with recovery the task {'ran after the restart' if raced['ran'] else 'never ran'}"
            if raced["worker"].startswith("exit code")
            else "  - publish race: not reproduced (the worker survived the half-written file)"
        )
        + (".\n    Nothing is lost, but" if raced["ran"] else ".\n    And")
        + " the worker is down until something restarts it; sqla has no such race."
    )
    print(
        f"  - speed: {fs['tasks_per_s']:.0f} tasks/s bare, {booked['tasks_per_s']:.0f} with"
        f" muster's bookkeeping, {sqla['tasks_per_s']:.0f} for sqla (publishing"
        f" {sqla['publish_per_s']:.0f}/s, one SQLite commit each, vs"
        f" {fs['publish_per_s']:.0f}/s);\n    p99 latency {p99} ms, set by the 0.1 s poll, not"
        " the store. Paging volume is far below any of these."
    )
    print(
        "  - sqla hands its options to create_engine (a polling_interval kills the worker at"
        " start),\n    never deletes a delivered row, and would need a recovery of its own"
        " (rows of unfinished\n    tasks back to visible); the filesystem's kept files are"
        " what muster's recovery reads already."
    )


def ms(values: list[float], pct: float) -> str:
    """A latency percentile in ms, or "-" when no task ran."""
    return f"{percentile(values, pct):.1f}" if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the workers
    scratch = Path(tempfile.mkdtemp(prefix="embedded_broker_bench_"))
    rng = random.Random(SEED)
    began = time.monotonic()
    try:
        print(f"scratch folder: {scratch} ({'kept' if args.keep else 'removed at the end'})")
        probe = sqla_option_probe(scratch)
        races: dict[str, dict[str, Any]] = {}
        for name, muster in ((RACE_PLAIN, False), (RACE_MUSTER, True)):
            print(f"probing the filesystem publish race: {name} ...", flush=True)
            races[name] = race_probe(scratch, muster)
        speed: dict[str, dict[str, Any]] = {}
        for name, kind, bookkeeping in SPEED_RUNS:
            print(f"measuring throughput and latency: {name} ...", flush=True)
            speed[name] = throughput_and_latency(kind, scratch, rng, bookkeeping)
        kills: dict[str, Any] = {}
        for name, kind, recovery in KILL_RUNS:
            print(f"measuring kill -9: {name} ...", flush=True)
            kills[name] = kill_test(kind, scratch, recovery)
        report(probe, races, speed, kills)
        print(f"\ntotal run time: {time.monotonic() - began:.0f} s")
    finally:
        Worker.stop_all()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
