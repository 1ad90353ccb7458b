"""Running real muster workers against real brokers and databases on 127.0.0.1.

A :class:`MusterWorker` is the ``muster worker`` command in a subprocess, with its own home,
config, queue and database, so tests can kill it with SIGKILL and start it again. Servers that a
test needs are checked first: absent ones skip the test with the reason, except under CI, where a
missing server is a failure (CI must run every integration test).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import pytest
import yaml
from celery.utils.nodenames import gethostname, nodename
from celery.worker import state as worker_state
from kombu import Connection
from sqlalchemy import create_engine, select, text

from muster.config.loader import load_config
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident
from tests.configs import DEMO, WEDNESDAY_NOON
from tests.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.reaper import guard

# A Redis database of its own for each pytest-xdist worker (gw0 14, gw1 15, ...): kombu keeps its
# in-flight messages in per-database keys, so two workers' tests never restore each other's.
# TEST_REDIS_DB moves the first one, so that two test runs side by side (two checkouts) do not
# share one either.
_XDIST_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_REDIS_FIRST_DB = int(os.environ.get("TEST_REDIS_DB", "14"))
REDIS_URL = f"redis://127.0.0.1:6379/{(_REDIS_FIRST_DB + _XDIST_INDEX) % 16}"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

# Every broker by default; the shifted-clock run (``make test-shifted``) names fewer, since what
# it looks for — a test or a comparison that depends on the date — does not depend on the broker.
BROKERS = tuple(os.environ.get("TEST_BROKERS", "embedded,redis,rabbitmq").split(","))


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on ``host:port``."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def require_server(name: str, port: int) -> None:
    """Skip (or, under CI, fail) when the server a test needs is not running."""
    if port_open(port):
        return
    reason = f"{name} is not listening on 127.0.0.1:{port}"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must run the integration tests")
    pytest.skip(reason)


def broker_url(kind: str, home: Path) -> str | None:
    """The broker URL for ``kind`` (None: the embedded default), checking its server is up."""
    if kind == "redis":
        require_server("Redis", 6379)
        return REDIS_URL
    if kind == "rabbitmq":
        require_server("RabbitMQ", 5672)
        return RABBITMQ_URL
    return None


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    require_server("PostgreSQL", 5432)
    name = f"muster_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class MusterWorker:
    """``muster worker --beat`` in a subprocess, with its environment."""

    home: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    reaper: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)
    beat: bool = True  # a second worker usually runs without (two beats are safe, not needed)
    name: str = "worker"
    args: tuple[str, ...] = ()  # more options, such as ("--loglevel", "DEBUG")

    ready_marker: ClassVar[bytes] = b" ready."  # what Celery logs once the worker consumes

    def argv(self) -> list[str]:
        """The command: the Procfile's ``muster worker``, as this interpreter runs it."""
        command = [sys.executable, "-m", "muster.worker.cli", "worker"]
        return [*command, "--beat" if self.beat else "--no-beat", "-c", "8", *self.args]

    def start(self, timeout: float = 30.0) -> Self:
        """Start the process in a group of its own (with a reaper) and wait until it is ready."""
        return self.launch().ready(timeout)

    def launch(self) -> Self:
        """Start the process in a group of its own, with a reaper; do not wait for it."""
        log = self.home / f"{self.name}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                self.argv(),
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=self.home,
                start_new_session=True,
            )
        self.reaper = guard(self.process.pid)
        return self

    def ready(self, timeout: float = 30.0) -> Self:
        """Wait until the launched process logs that it is ready."""
        assert self.process is not None, f"{self.name} was never launched"
        log = self.logs[-1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{log.read_text()[-4000:]}")
            if self.ready_marker in log.read_bytes():
                return self
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready in {timeout}s:\n{log.read_text()[-4000:]}")

    def stop(self) -> None:
        """Warm shutdown (SIGTERM to the group), then SIGKILL of whatever is left of it."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        self._end_group()

    def kill(self) -> None:
        """SIGKILL the worker and every process it started: a crash, not a shutdown."""
        self._end_group()

    def _end_group(self) -> None:
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # stragglers too; then the reaper exits
        self.process.wait(timeout=10)
        if self.reaper is not None:
            self.reaper.wait(timeout=10)
            self.reaper = None

    def log_text(self) -> str:
        """Everything every run of this worker wrote."""
        return "\n".join(path.read_text(errors="replace") for path in self.logs)


@dataclass
class MusterBeat(MusterWorker):
    """``muster beat`` (the Procfile's beat) in a subprocess: the same group, reaper and kill as
    a worker, so a test can run two and ``kill -9`` one."""

    name: str = "beat"
    ready_marker: ClassVar[bytes] = b"beat: Starting..."

    def argv(self) -> list[str]:
        """The command: the Procfile's ``muster beat``, as this interpreter runs it."""
        return [sys.executable, "-m", "muster.worker.cli", "beat", *self.args]

    @property
    def origin(self) -> str:
        """How the tasks this beat sends name their sender: Celery stamps each message's
        ``origin`` header with ``gen<pid>@<host>``."""
        assert self.process is not None, "the beat was never started"
        return nodename(f"gen{self.process.pid}", gethostname())


@dataclass
class MusterWeb(MusterWorker):
    """``muster web`` (the Procfile's web) in a subprocess, on ``port`` with ``workers``
    processes: the same group, reaper and kill as a worker."""

    name: str = "web"
    port: int = 0
    workers: int = 1
    ready_marker: ClassVar[bytes] = b"Application startup complete."

    def argv(self) -> list[str]:
        """The command: the Procfile's ``muster web``, as this interpreter runs it."""
        command = [sys.executable, "-m", "muster.worker.cli", "web", "--host", "127.0.0.1"]
        return [*command, "--port", str(self.port), "--workers", str(self.workers)]


def worker_environment(
    home: Path, config: Path, broker: str | None, database: str, queue: str, **extra: str
) -> dict[str, str]:
    """The environment a test worker (and the test's own client) runs with."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MUSTER_")}
    env.update(
        MUSTER_HOME=str(home),
        MUSTER_CONFIG=str(config),
        MUSTER_DATABASE_URL=database,
        MUSTER_QUEUE=queue,
        MUSTER_RETRY_INITIAL="0.05",
        MUSTER_RETRY_MAX_WAIT="0.2",
        MUSTER_RETRY_TOTAL="5",
        MUSTER_SWEEP_EVERY="1",
        MUSTER_SCAN_EVERY="0.5",
        MUSTER_LEASE_SECONDS="15",
        MUSTER_REQUEUE_AFTER="3",
        MUSTER_POLL_INTERVAL="0.05",
        PYTHONUNBUFFERED="1",
    )
    if broker:
        env["MUSTER_BROKER_URL"] = broker
    env.update(extra)
    return env


def deliveries_settled(database: Database) -> bool:
    """Every declaration's fan-out is written and every delivery finished (sent or failed, or
    held for a digest: nothing to send until its window closes)."""
    with database.transaction() as session:
        statuses = list(session.scalars(select(Delivery.status)))
        fanning_out = session.scalar(select(Incident.id).where(Incident.fanned_out.is_(False)))
    return (
        bool(statuses)
        and fanning_out is None
        and all(status in {"sent", "failed", "held", "digested"} for status in statuses)
    )


def wait_until(condition: Callable[[], Any], timeout: float = 20.0, every: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something truthy; fail with a clear message if not."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(every)


def purge(broker: str | None, queue: str) -> None:
    """Empty ``queue`` on a server broker so a test starts from nothing."""
    if broker is None:
        return
    with Connection(broker) as connection, suppress(Exception):
        connection.default_channel.queue_purge(queue)  # a queue not declared yet is empty


def pinned_rotations(document: dict[str, Any]) -> dict[str, Any]:
    """Each of the demo's rotations as a one-member rotation of whoever holds it at
    WEDNESDAY_NOON, and no overrides: the holders the assertions name cannot change while a test
    runs on the real clock, whatever the date and hour (rotations themselves are tested on a
    passed-in clock)."""
    routing = load_config(DEMO, {}).routing
    pinned = {}
    for name in document["rotations"]:
        holder = routing.on_call(name, WEDNESDAY_NOON)
        assert holder is not None, f"the demo's {name} has nobody on call at WEDNESDAY_NOON"
        pinned[name] = {"members": [holder]}
    return pinned


def stack_config(path: Path, smtp: SmtpPeer, chat: MattermostPeer, sms: SmsPeer) -> None:
    document: dict[str, Any] = yaml.safe_load(DEMO.read_text())
    document["rotations"] = pinned_rotations(document)
    document.pop("overrides", None)
    document["contacts"] = {
        "email": smtp.url_template(),
        "sms": sms.url_template(),
        "chat": chat.url_template(),
        "fallback": {"sms": "email", "chat": "email"},
    }
    document["broadcasts"] = {
        "incident_room": chat.room_url("incidents"),
        "summaries": chat.room_url("incident-summaries"),
        "stakeholders": chat.room_url("stakeholders"),
    }
    document["services"]["payments-api"]["room"] = chat.room_url("payments-incidents")
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def wake_to_stop(controller: Any) -> None:
    """Ask an in-process test worker to stop, and end its wait at once: Celery's test worker
    only sets the stop flag, which the worker checks between waits on its broker, ~10 s apart
    on an idle AMQP connection (its event loop) and 2 s on a polling transport (the embedded
    broker, drained for 2 s a cycle; kombu's poll calls ``cycle.fun`` for every queue it tries,
    so a ``fun`` that times out ends the cycle's poll now)."""
    worker_state.should_terminate = 0
    hub = getattr(controller, "hub", None)
    if hub is not None:
        hub.call_soon(lambda: None)
    connection = getattr(getattr(controller, "consumer", None), "connection", None)
    cycle = getattr(getattr(connection, "transport", None), "cycle", None)
    if cycle is not None and hasattr(cycle, "fun"):

        def stop_polling(*_: Any, **__: Any) -> None:
            raise TimeoutError("the test worker is stopping")

        cycle.fun = stop_polling
