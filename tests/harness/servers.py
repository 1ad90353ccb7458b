"""The real services on 127.0.0.1 the tests use: which URLs, whether each is up, fresh databases.

Servers that a test needs are checked first: absent ones skip the test with the reason, except
under CI, where a missing server is a failure (CI must run every integration test).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path

import pytest
from kombu import Connection
from sqlalchemy import create_engine, text

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


def purge(broker: str | None, queue: str) -> None:
    """Empty ``queue`` on a server broker so a test starts from nothing."""
    if broker is None:
        return
    with Connection(broker) as connection, suppress(Exception):
        connection.default_channel.queue_purge(queue)  # a queue not declared yet is empty


def fresh_queue() -> str:
    """A queue name of its own: kombu remembers bindings per process, not per broker folder."""
    return f"q{uuid.uuid4().hex[:8]}"


def scratch_database(kind: str, folder: Path) -> AbstractContextManager[str]:
    """The URL of an empty database for one test: a SQLite file in ``folder`` (``"sqlite"``) or
    a fresh PostgreSQL database (``"postgresql"``, skipped or failed as :func:`require_server`)."""
    if kind == "postgresql":
        return postgres_database()
    return nullcontext(f"sqlite:///{folder / 'muster.db'}")
