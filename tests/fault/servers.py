"""Servers of the fault suite's own, on ports of their own, so killing one harms no other test.

The machine's shared Redis keeps nothing on disk and other tests use it; a broker restart is
tested on a private ``redis-server`` with an append-only file synced on every write, as
production runs it, killed with SIGKILL and started again on the same port and files.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.harness import port_open
from tests.reaper import guard


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """``redis-server`` with persistence (``appendfsync always``) in ``folder``."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: the fault suite needs it")
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.reaper: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

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
            ],
            start_new_session=True,
        )  # fmt: skip
        self.reaper = guard(self.process.pid)
        deadline = time.monotonic() + 20
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.folder / "redis.log").read_text()[-2000:])
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        """SIGKILL: a crash, not a shutdown (what the append-only file holds survives)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.reaper is not None:
            self.reaper.wait(timeout=10)
            self.reaper = None
