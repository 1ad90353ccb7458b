"""What a worker process acts with: the database, the config, the clock, the sender, the policies.

Tasks and handlers reach these through :func:`runtime`, built once per process from the
environment; tests install their own with :func:`install` (a manual clock, a test database).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from muster.channels.fanout import FanOut
from muster.channels.retry import RetryPolicy
from muster.channels.sender import AppriseSender, Sender
from muster.config.watch import ConfigSource
from muster.worker.clock import Clock, SystemClock
from muster.worker.settings import config_path
from muster.worker.store.db import Database


@dataclass
class Runtime:
    """Everything a handler needs besides the message."""

    database: Database
    config: ConfigSource
    clock: Clock = field(default_factory=SystemClock)
    sender: Sender = field(default_factory=AppriseSender)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    lease: timedelta = timedelta(minutes=2)  # longer than a delivery's whole retry budget
    requeue_after: timedelta = timedelta(seconds=60)  # pending rows older are re-enqueued
    fanout: FanOut = field(default_factory=FanOut)  # no threads: sends one after the other


def from_environment() -> Runtime:
    """The runtime a worker builds from ``MUSTER_*`` variables."""
    config = ConfigSource(config_path())
    secrets = config.current().routing.secrets
    retry = RetryPolicy(
        attempts=int(os.environ.get("MUSTER_RETRY_ATTEMPTS", "4")),
        initial_wait=float(os.environ.get("MUSTER_RETRY_INITIAL", "0.5")),
        max_wait=float(os.environ.get("MUSTER_RETRY_MAX_WAIT", "8")),
        total=float(os.environ.get("MUSTER_RETRY_TOTAL", "30")),
    )
    return Runtime(
        database=Database.connect(),
        config=config,
        sender=AppriseSender(secrets=secrets),
        retry=retry,
        lease=timedelta(seconds=float(os.environ.get("MUSTER_LEASE_SECONDS", "120"))),
        requeue_after=timedelta(seconds=float(os.environ.get("MUSTER_REQUEUE_AFTER", "60"))),
        fanout=FanOut(threads=int(os.environ.get("MUSTER_SEND_THREADS", "16"))),
    )


_current: Runtime | None = None
_lock = threading.Lock()


def runtime() -> Runtime:
    """This process's runtime, built on first use."""
    global _current  # noqa: PLW0603 - one runtime per process, like the Celery app itself
    if _current is None:
        with _lock:
            if _current is None:
                _current = from_environment()
    return _current


def install(replacement: Runtime | None) -> None:
    """Use ``replacement`` from now on (tests); None rebuilds from the environment on next use."""
    global _current  # noqa: PLW0603
    with _lock:
        _current = replacement
