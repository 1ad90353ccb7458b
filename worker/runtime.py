"""What a worker process acts with: the database, the config, the clock, the sender, the policies.

Tasks and handlers reach these through :func:`runtime`, built once per process from the
environment; tests install their own with :func:`install` (a manual clock, a test database).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from muster.channels.retry import RetryPolicy
from muster.channels.sender import AppriseSender, Sender
from muster.channels.sending_pool import SendingPool
from muster.config.settings import Settings
from muster.config.watch import ConfigSource
from muster.worker.clock import Clock, SystemClock
from muster.worker.store.db import Database, database_url
from muster.worker.store.good_config import DatabaseKeeper


@dataclass
class Runtime:
    """Everything a handler needs besides the message."""

    database: Database
    config: ConfigSource
    clock: Clock = field(default_factory=SystemClock)
    sender: Sender = field(default_factory=AppriseSender)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    lease: timedelta = timedelta(seconds=3)  # renewed while the send runs (deliveries.lease)
    requeue_after: timedelta = timedelta(seconds=10)  # pending rows older are re-enqueued
    sending: SendingPool = field(default_factory=SendingPool)  # no threads: one after the other
    settings: Settings = field(default_factory=Settings)


def from_settings(settings: Settings) -> Runtime:
    """The runtime a worker builds from its settings (the ``MUSTER_*`` variables)."""
    database = Database.connect(database_url(settings))
    # Each config that loads cleanly is kept in the database; started on an invalid file, the
    # worker pages with the one kept last (NoGoodConfig if there is none).
    config = ConfigSource(settings.config, keeper=DatabaseKeeper(database.engine))
    secrets = config.current().routing.secrets
    return Runtime(
        database=database,
        config=config,
        sender=AppriseSender(secrets=secrets, connections=settings.send_threads),
        retry=retry_policy(settings),
        lease=timedelta(seconds=settings.lease_seconds),
        requeue_after=timedelta(seconds=settings.requeue_after),
        sending=SendingPool(
            threads=settings.send_threads,
            per_lane=settings.send_per_provider,
            queue_limit=settings.send_queue,
        ),
        settings=settings,
    )


def retry_policy(settings: Settings) -> RetryPolicy:
    """How a send is retried, from the ``MUSTER_RETRY_*`` settings."""
    return RetryPolicy(
        attempts=settings.retry_attempts,
        initial_wait=settings.retry_initial,
        max_wait=settings.retry_max_wait,
        total=settings.retry_total,
    )


_current: Runtime | None = None
_lock = threading.Lock()


def runtime() -> Runtime:
    """This process's runtime, built on first use."""
    global _current  # noqa: PLW0603 - one runtime per process, like the Celery app itself
    if _current is None:
        with _lock:
            if _current is None:
                _current = from_settings(Settings())
    return _current


def install(replacement: Runtime | None) -> None:
    """Use ``replacement`` from now on (tests); None rebuilds from the environment on next use."""
    global _current  # noqa: PLW0603
    with _lock:
        _current = replacement
