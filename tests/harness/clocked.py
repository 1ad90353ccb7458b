"""A real Celery worker in the test's process, on a real broker, whose runtime reads a ManualClock.

Timer scenarios need minutes and hours to pass in no time, and need to know exactly when each
scan looked at the clock. :class:`ClockedWorker` runs Celery's own test worker (threads pool)
against the embedded broker, Redis or RabbitMQ, and records every scan task it runs: which
process sent it (Celery stamps each message's ``origin`` with ``gen<pid>@<host>``, so the scans
of two real beats are told apart), the controlled time it ran at, and whether it finished. Scans
come from real ``muster beat`` processes, or from the test itself (:meth:`ClockedWorker.scan`).
Pages go through real Apprise to the real protocol peers.

The runtime is swapped per scenario (:meth:`ClockedWorker.stage`: its own database, config and
clock), so one worker per broker serves a module's scenarios instead of starting for each.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from celery import Celery, Task
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun, task_prerun
from sqlalchemy import select

from muster.channels.retry import RetryPolicy
from muster.channels.sender import AppriseSender
from muster.config.settings import Settings
from muster.config.watch import ConfigSource
from muster.worker.broker.app import make_app
from muster.worker.client import Client
from muster.worker.clock import ManualClock
from muster.worker.runtime import Runtime, install, runtime
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery
from muster.worker.tasks.names import SCAN
from muster.worker.tasks.registry import register
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.in_process import wake_to_stop
from tests.harness.servers import purge
from tests.harness.waiting import deliveries_settled, wait_until


@dataclass
class ScanRun:
    """One scan task the worker ran: who sent it, at what controlled time, and when (real)."""

    origin: str
    at: datetime
    started: float  # time.monotonic()
    finished: bool = False


@dataclass(frozen=True)
class Sent:
    """A delivery row as the scenario judges it."""

    purpose: str
    reason: str
    person: str | None
    kind: str
    status: str


class ClockedWorker:
    """The worker, the scans it ran, and the runtime of the scenario being played."""

    def __init__(self, url: str | None, home: Path) -> None:
        self.home = home
        self.url = url
        self.queue = f"muster-clocked-{uuid.uuid4().hex[:8]}"
        self.settings = Settings(
            home=home, queue=self.queue, broker_url=url, poll_interval=0.02, scan_every=0.2
        )
        self.app: Celery = make_app(url, self.settings)
        register(self.app)
        self.clock = ManualClock(WEDNESDAY_NOON)
        self.database: Database | None = None
        self.scans: dict[str, ScanRun] = {}
        self.finished: set[str] = set()
        self._lock = threading.Lock()

    # the scenario's runtime -------------------------------------------------------------------

    @contextmanager
    def stage(
        self, config: Path, database: str, start: datetime = WEDNESDAY_NOON
    ) -> Iterator[None]:
        """Play one scenario: a fresh runtime (database, config, clock at ``start``) installed
        for the worker, its scans recorded from none."""
        self.clock = ManualClock(start)
        self.database = Database.connect(database)
        with self._lock:
            self.scans.clear()
        install(
            Runtime(
                database=self.database,
                config=ConfigSource(config, environ={}, interval=0),
                clock=self.clock,
                sender=AppriseSender(),
                retry=RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.05, total=2),
                settings=self.settings,
            )
        )
        try:
            yield
        finally:
            # The runtime stays installed until the next scenario's replaces it: a stray task
            # (a beat's last scan) must not build one from the environment.
            self.database.engine.dispose()

    def client(self) -> Client:
        return Client(app=self.app)

    # what ran -----------------------------------------------------------------------------

    def _started(self, task_id: str | None = None, task: Task | None = None, **_: Any) -> None:
        if task_id and task is not None and task.name == SCAN:
            run = ScanRun(str(task.request.origin), runtime().clock.now(), time.monotonic())
            with self._lock:
                self.scans[task_id] = run

    def _finished(self, task_id: str | None = None, **_: Any) -> None:
        if task_id:
            with self._lock:
                self.finished.add(task_id)
                if task_id in self.scans:
                    self.scans[task_id].finished = True

    def scan_runs(self) -> list[ScanRun]:
        """Every scan run in this scenario so far (a copy)."""
        with self._lock:
            return list(self.scans.values())

    def scanned(self, origins: set[str]) -> bool:
        """Whether a scan from each of ``origins`` has finished at the clock's time, and no scan
        is still running: every timer due by now has fired and its rows are committed."""
        now = self.clock.now()
        runs = self.scan_runs()
        done = {run.origin for run in runs if run.finished and run.at == now}
        return origins <= done and all(run.finished for run in runs)

    def wait_for(self, task_id: str, timeout: float = 20) -> None:
        """Wait until the task sent as ``task_id`` has run."""
        wait_until(lambda: task_id in self.finished, timeout=timeout)

    def scan(self) -> None:
        """Scan once, as beat would (through the broker), and wait for it and its pages."""
        self.wait_for(self.app.send_task(SCAN).id)
        wait_until(self.settled)

    def acknowledge(self, incident: str, person: str) -> None:
        """``person`` acknowledges ``incident`` (through the broker); wait until it is handled."""
        self.wait_for(self.client().acknowledge(incident, person=person))

    def move_to(self, at: datetime) -> None:
        """Set the controlled clock to ``at``."""
        self.clock.set(at)

    def advance(self, by: timedelta) -> datetime:
        """Move the controlled clock on by ``by``."""
        return self.clock.advance(by)

    # what it sent ----------------------------------------------------------------------------

    def settled(self) -> bool:
        """Every declaration's fan-out is written and every delivery finished."""
        assert self.database is not None
        return deliveries_settled(self.database)

    def sent(self, incident: str) -> list[Sent]:
        """Every delivery row of ``incident``, oldest first."""
        assert self.database is not None
        with self.database.transaction() as session:
            rows = session.scalars(
                select(Delivery).where(Delivery.incident_id == incident).order_by(Delivery.id)
            )
            return [Sent(r.purpose, r.reason, r.person, r.kind, r.status) for r in rows]


@contextmanager
def clocked_worker(url: str | None, home: Path) -> Iterator[ClockedWorker]:
    """A :class:`ClockedWorker` on broker ``url`` (None: the embedded broker in ``home``)."""
    worker = ClockedWorker(url, home)
    purge(url, worker.queue)
    task_prerun.connect(worker._started, weak=False)
    task_postrun.connect(worker._finished, weak=False)
    try:
        with start_worker(
            worker.app,
            pool="threads",
            concurrency=4,
            perform_ping_check=False,
            shutdown_timeout=60,
            loglevel="WARNING",
        ) as controller:
            try:
                yield worker
            finally:
                wake_to_stop(controller)
    finally:
        task_prerun.disconnect(worker._started)
        task_postrun.disconnect(worker._finished)
        install(None)
        worker.app.close()
