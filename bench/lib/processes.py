"""Processes the delivery bench starts: each in its own session, each stopped with its group.

A worker left behind would consume the next run's queue, so every process here is started with
``start_new_session`` and stopped by signalling its whole process group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from muster.config.settings import Settings
from muster.worker.broker import transport as muster_broker

# The harness's fast timers (0.5 s scan, 3 s requeue, 0.05 s polling, short retries) are for tests
# that kill workers; the bench runs muster (and the ping worker) the way production does.
PRODUCTION = {
    f"MUSTER_{name.upper()}": str(Settings.model_fields[name].default)
    for name in (
        "retry_initial",
        "retry_max_wait",
        "retry_total",
        "sweep_every",
        "scan_every",
        "lease_seconds",
        "requeue_after",
        "poll_interval",
    )
}


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
