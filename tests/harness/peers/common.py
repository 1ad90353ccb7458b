"""What every peer shares: the loopback host, fixed tokens, waiting, and Apprise's throttle."""

from __future__ import annotations

import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

HOST = "127.0.0.1"

# The Mattermost webhook token a MattermostPeer accepts unless given another.
HOOK_TOKEN = "muster-hook-token"

# The number a SmsPeer sends from unless given another.
SMS_SOURCE = "+15550000000"

# How long wait_for() waits by default: generous, since a passing test never waits this long.
DEFAULT_TIMEOUT = 5.0

# How often a serve_forever() loop checks for shutdown; keeps set_down()/stop() fast.
POLL_INTERVAL = 0.02


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def unthrottle(apobj: Any) -> None:
    """Turn off Apprise's per-instance request spacing for every service in ``apobj``.

    Apprise sleeps up to ``request_rate_per_sec`` seconds (5.5 for E-Mail and Signal) before a
    request when the same plugin instance made one less than that long ago. There is no URL
    parameter for it; the attribute on the instance is the only switch.
    """
    for service in apobj:
        service.request_rate_per_sec = 0


def wait_until(
    condition: threading.Condition,
    ready: Callable[[], bool],
    timeout: float,
    describe: Callable[[], str],
) -> None:
    """Wait (holding ``condition``) until ``ready()``; fail the test with ``describe()`` if not."""
    deadline = time.monotonic() + timeout
    with condition:
        while not ready():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s: {describe()}")
            condition.wait(remaining)


class Peer(ABC):
    """A server a test can take down and bring back, and use as a context manager."""

    @abstractmethod
    def start(self) -> Self:
        """Listen (on the same port when started before)."""

    @abstractmethod
    def stop(self) -> None:
        """Stop listening and close the listening socket (idempotent)."""

    @property
    @abstractmethod
    def is_up(self) -> bool:
        """Whether the server is listening."""

    def set_down(self) -> None:
        """Make the server unreachable: connections to its port are refused."""
        self.stop()

    def set_up(self) -> None:
        """Bring the server back on the same port."""
        self.start()

    def __enter__(self) -> Self:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()
