"""Each worker and beat writes that it is alive into the database, every few seconds.

The database is muster's source of truth (brokers carry work, not state), so that is where
``/readyz`` looks for "a worker and a beat seen recently". A :class:`LivenessWriter` is a daemon
thread upserting its process's row (:func:`muster.worker.store.processes.seen`) every
:data:`EVERY` seconds — one statement a period, and a prune of rows unseen for
:data:`PRUNE_AFTER` every :data:`PRUNE_EVERY` periods — while it should: a worker's while its
consumer consumes, a beat's while its scheduler keeps ticking on time (its ``alive`` check;
:mod:`muster.worker.broker.beat`). A thread rather than a write
from the work itself: a slow or unreachable database then never holds up a page or a scan, and
an idle worker still says it is there. A clean stop removes the row, so a stopped process stops
counting at once; a killed one ages out of ``MUSTER_READY_WITHIN``.

A worker's writer runs as a step of its consumer (:func:`worker_liveness`): started once the
consumer consumes, stopped when its broker connection is lost and started again on reconnecting.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import structlog
from celery import bootsteps
from celery.utils.nodenames import gethostname, nodename

from muster.worker.observe import metrics
from muster.worker.store.db import Database
from muster.worker.store.processes import WORKER, forget, seen

log = structlog.get_logger("muster.liveness")

EVERY = 5.0  # seconds between a process's liveness writes
PRUNE_AFTER = timedelta(hours=1)  # rows unseen this long are removed
PRUNE_EVERY = 60  # writes between prunes (about five minutes)
SHUTDOWN_WAIT = 2.0  # seconds a clean shutdown waits for the row to be removed


def process_name() -> str:
    """This process's name, as its worker calls itself: ``muster-PID@host``."""
    return str(nodename(f"muster-{os.getpid()}", gethostname()))


def utc_now() -> datetime:
    """The wall clock, aware UTC (the web compares with its own: keep hosts' clocks in sync)."""
    return datetime.now(UTC)


class LivenessWriter:
    """The liveness writer of one process: ``kind`` (worker or beat) and ``name``."""

    def __init__(
        self,
        database: Database,
        kind: str,
        name: str | None = None,
        *,
        alive: Callable[[], bool] = lambda: True,
        every: float = EVERY,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.database = database
        self.kind = kind
        self.name = name or process_name()
        self.alive = alive
        self.every = every
        self.now = now
        self.writes = 0
        self.failing = False
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Write now, then every ``every`` seconds from a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"muster-liveness-{self.kind}", daemon=True
            )
            self._thread.start()
        return self

    def write(self) -> bool:
        """One write, if the process is alive; whether it was written. Never raises: liveness
        must not break the work it reports on."""
        if not self.alive():
            return False
        at = self.now()
        prune = at - PRUNE_AFTER if self.writes % PRUNE_EVERY == 0 else None
        try:
            with self.database.engine.begin() as connection:
                seen(connection, self.kind, self.name, at, prune_before=prune)
        except Exception as failure:  # noqa: BLE001 - counted and logged, tried again next period
            metrics.liveness_failed(self.kind)
            if not self.failing:
                log.warning("liveness.unrecorded", kind=self.kind, error=type(failure).__name__)
            self.failing = True
            return False
        if self.failing:
            log.info("liveness.recorded", kind=self.kind)
        self.failing = False
        self.writes += 1
        return True

    def stop(self, wait: float = 0.0) -> None:
        """Stop writing; the thread then removes the row (this process no longer counts). Waits
        up to ``wait`` seconds for that; by default not at all (a database in trouble must not
        hold up a reconnecting consumer or a shutdown: the row would age out anyway)."""
        self._stopped.set()
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=wait)

    def forget(self) -> None:
        """Remove this process's row now."""
        try:
            with self.database.engine.begin() as connection:
                forget(connection, self.kind, self.name)
        except Exception as failure:  # noqa: BLE001 - the row ages out instead
            log.warning("liveness.not_forgotten", kind=self.kind, error=type(failure).__name__)

    def _run(self) -> None:
        self.write()
        while not self._stopped.wait(self.every):
            self.write()
        self.forget()


def worker_liveness(database: Database) -> type[bootsteps.StartStopStep]:
    """A step of the worker's consumer that keeps the worker's row while it consumes.

    Celery starts a consumer's steps once it has connected and set up its task consumers
    (this one comes after ``Tasks``), stops them when the broker connection is lost, and starts
    them again on reconnecting: so the row says "consuming", not merely "the process runs".
    """

    class WorkerLiveness(bootsteps.StartStopStep):
        label = "muster liveness"
        requires = ("celery.worker.consumer.tasks:Tasks",)

        def __init__(self, parent: Any, **kwargs: Any) -> None:
            super().__init__(parent, **kwargs)
            self.writer: LivenessWriter | None = None

        def start(self, parent: Any) -> None:
            self.writer = LivenessWriter(database, WORKER).start()

        def stop(self, parent: Any) -> None:
            if self.writer is not None:
                self.writer.stop(wait=SHUTDOWN_WAIT)
                self.writer = None

        shutdown = terminate = stop

    return WorkerLiveness
