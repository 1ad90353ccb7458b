"""Servers of the fault suite's own, on ports of their own, so killing one harms no other test.

The machine's shared Redis keeps nothing on disk and other tests use it; a broker restart is
tested on a private ``redis-server`` with an append-only file synced on every write, as
production runs it, killed with SIGKILL and started again on the same port and files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Protocol

import pytest
from amqp.exceptions import AMQPError
from kombu import Connection
from kombu.exceptions import OperationalError

from tests.harness.peers.common import free_port
from tests.harness.reaper import guard
from tests.harness.servers import port_open


def listening(process: subprocess.Popen[bytes], port: int, log: Path, timeout: float) -> None:
    """Wait until a server just started listens on ``port``; its log's tail if it dies first."""
    deadline = time.monotonic() + timeout
    while not port_open(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(log.read_text()[-2000:])
        time.sleep(0.05)


class _Server(Protocol):
    process: subprocess.Popen[bytes] | None
    reaper: subprocess.Popen[bytes] | None


def kill_group(server: _Server, *ports: int) -> None:
    """SIGKILL of a server's whole process group, its reaper waited for, until its ports close."""
    if server.process is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        server.process = None
    if server.reaper is not None:
        server.reaper.wait(timeout=10)
        server.reaper = None
    while any(port_open(port) for port in ports):
        time.sleep(0.05)


class PrivateRedis:
    """``redis-server`` with persistence (``appendfsync always``) in ``folder``."""

    def __init__(self, folder: Path, password: str | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: the fault suite needs it")
        self.binary = binary
        self.folder = folder
        self.password = password  # required of clients (``requirepass``) when given
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.reaper: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        credentials = f":{self.password}@" if self.password else ""
        return f"redis://{credentials}127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.folder),
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", "",
                "--logfile", str(self.folder / "redis.log"),
                *(("--requirepass", self.password) if self.password else ()),
            ],
            start_new_session=True,
        )  # fmt: skip
        self.reaper = guard(self.process.pid)
        listening(self.process, self.port, self.folder / "redis.log", timeout=20)
        return self

    def kill(self) -> None:
        """SIGKILL: a crash, not a shutdown (what the append-only file holds survives)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.reaper is not None:
            self.reaper.wait(timeout=10)
            self.reaper = None


POSTGRES_BIN = Path("/usr/lib/postgresql")


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (``initdb`` into a fresh folder under /tmp, which
    the ``postgres`` user can reach; pytest's are private to root), run in the foreground as
    ``postgres`` so its whole process group can be killed and reaped. ``remove()`` deletes it."""

    def __init__(self) -> None:
        versions = sorted(POSTGRES_BIN.glob("*/bin/postgres"))
        runuser = shutil.which("runuser")
        if not versions or runuser is None:
            pytest.fail("PostgreSQL's server binaries and runuser are needed by the fault suite")
        self.runuser = runuser
        self.bin = versions[-1].parent
        self.folder = Path(tempfile.mkdtemp(prefix="muster-fault-pg-"))
        self.folder.chmod(0o755)
        shutil.chown(self.folder, "postgres")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.reaper: subprocess.Popen[bytes] | None = None
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                          "-U", "postgres")  # fmt: skip

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            [self.runuser, "-u", "postgres", "--", *command],
            check=True,
            capture_output=True,
        )

    def start(self) -> PrivatePostgres:
        log = (self.folder / "postgres.log").open("ab")
        self.process = subprocess.Popen(
            [self.runuser, "-u", "postgres", "--", str(self.bin / "postgres"), "-D", str(self.data),
             "-p", str(self.port), "-k", str(self.folder), "-c", "listen_addresses=127.0.0.1",
             "-c", "fsync=off"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.reaper = guard(self.process.pid)
        listening(self.process, self.port, self.folder / "postgres.log", timeout=30)
        self._accepting(timeout=30)
        return self

    def _accepting(self, timeout: float) -> None:
        """Wait until the server takes connections: it listens while it still replays its WAL
        ("the database system is starting up"), and a test's first connection must not race
        that recovery."""
        deadline = time.monotonic() + timeout
        while True:
            ready = subprocess.run(
                [str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False,
            )
            if ready.returncode == 0:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"PostgreSQL on {self.port} took no connections in {timeout} s")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL of the whole server: a crash; it recovers from its WAL when started again."""
        kill_group(self, self.port)

    def remove(self) -> None:
        """Kill the server and delete its files."""
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
RABBITMQ_BOOT_TIMEOUT = 90.0  # seconds; a node boots in 4 s (9 s when busy) on the build machine


class PrivateRabbitMQ:
    """A RabbitMQ node of the test's own: the machine's shared node on 5672 is used by other
    tests, so a broker kill must never reach it.

    The node has its own name, AMQP and distribution ports, Erlang cookie (``HOME``), data,
    logs, an empty plugin list and config files of its own in ``folder`` (so the machine's
    ``/etc/rabbitmq`` files, which name 5672, are never read). It runs in a process group of
    its own, with a reaper: the ``rabbitmq-server`` script and the Erlang VM (``beam.smp``) it
    starts. The VM's ``erl_child_setup`` helper runs in a session of its own and exits when the
    VM dies; ``epmd`` is a daemon shared by every node on the machine and is never killed (the
    node's registration with it ends with the node's connection to it).
    """

    def __init__(self, folder: Path) -> None:
        if not RABBITMQ_SERVER.exists():
            pytest.fail(f"{RABBITMQ_SERVER} is not installed: the fault suite needs it")
        self.folder = folder
        self.port = free_port()
        self.dist_port = free_port()
        self.node = f"muster-fault-{uuid.uuid4().hex[:8]}@localhost"
        self.process: subprocess.Popen[bytes] | None = None
        self.reaper: subprocess.Popen[bytes] | None = None
        self.boot_seconds: list[float] = []  # each start, until it accepted an AMQP login

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        env.update(
            HOME=str(self.folder),  # the Erlang cookie of this node's own
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=str(self.folder / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.folder / "log"),
            RABBITMQ_PID_FILE=str(self.folder / "node.pid"),
            RABBITMQ_CONF_ENV_FILE=str(self.folder / "rabbitmq-env.conf"),
            RABBITMQ_CONFIG_FILE=str(self.folder / "rabbitmq.conf"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(self.folder / "advanced.config"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.folder / "enabled_plugins"),
        )
        return env

    def _write_config(self) -> None:
        (self.folder / "rabbitmq-env.conf").write_text("ERL_EPMD_ADDRESS=127.0.0.1\n")
        (self.folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users.guest = true\n"
        )
        (self.folder / "enabled_plugins").write_text("[].\n")

    def start(self) -> PrivateRabbitMQ:
        """Start the node (on the same ports and data as before, after a kill) and wait until it
        accepts an AMQP login: its port opens before it can take one."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._write_config()
        began = time.monotonic()
        with (self.folder / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [str(RABBITMQ_SERVER)],
                env=self._environment(),
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.reaper = guard(self.process.pid)
        deadline = began + RABBITMQ_BOOT_TIMEOUT
        while not self._accepts_login():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError((self.folder / "server.log").read_text()[-3000:])
            time.sleep(0.2)
        self.boot_seconds.append(time.monotonic() - began)
        return self

    def _accepts_login(self) -> bool:
        if not port_open(self.port):
            return False
        try:
            with Connection(self.url, connect_timeout=2) as connection:
                connection.connect()
        except (OSError, AMQPError, OperationalError):
            return False
        return True

    def kill(self) -> None:
        """SIGKILL of the node's process group: a crash, not a shutdown (durable queues and the
        persistent messages written to disk survive it)."""
        kill_group(self, self.port, self.dist_port)
