"""Running real muster processes against real brokers and databases on 127.0.0.1.

A :class:`MusterWorker` is the ``muster worker`` command in a subprocess, with its own home,
config, queue and database, so tests can kill it with SIGKILL and start it again;
:class:`MusterBeat` and :class:`MusterWeb` are ``muster beat`` and ``muster web`` the same way.
Each runs in a process group of its own, guarded by a reaper (:mod:`tests.harness.reaper`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Self

from celery.utils.nodenames import gethostname, nodename

from tests.harness.reaper import guard


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


def launched_beats(
    cleanup: ExitStack, home: Path, env: dict[str, str], count: int = 2
) -> list[MusterBeat]:
    """``count`` real beats (``beat-1``...), started at once and each waited for; ``cleanup``
    stops them."""
    beats = [MusterBeat(home=home, env=env, name=f"beat-{n}") for n in range(1, count + 1)]
    for beat in beats:
        cleanup.callback(beat.stop)
        beat.launch()
    for beat in beats:
        beat.ready()
    return beats


def muster_run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``muster ARGS`` run to its end in a process of its own, with ``env`` (a worker or web
    configures its process's logging, which in the test's process would stay)."""
    return subprocess.run(
        [sys.executable, "-m", "muster.worker.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def muster_command(env: dict[str, str], *args: str) -> str:
    """:func:`muster_run`'s output, once it exited 0 (its stderr in the failure otherwise)."""
    done = muster_run(env, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
