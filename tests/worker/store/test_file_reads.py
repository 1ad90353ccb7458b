"""The CLI's incident check on a SQLite file, with the standard library's sqlite3 (issue 19: no
SQLAlchemy import for ``muster ack``): the same answers as the worker's own read
(``find_incident``), the same files as SQLAlchemy would open, and never a write."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from muster.channels.retry import RetryPolicy
from muster.worker.incidents.declared import handle_declared
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from muster.worker.store.file_reads import incident_known, reading, sqlite_file
from muster.worker.store.reads import find_incident
from muster.worker.tasks.names import DECLARED
from tests.harness.runtimes import stub_runtime

DECLARATION = {
    "title": "Checkout failing",
    "impact": "critical",
    "urgency": "high",
    "services": ["payments-api"],
    "fingerprint": "checkout-5xx",
}


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[tuple[Runtime, Path]]:
    """The worker's database file with inc-1, and inc-joined: a declaration under the same
    fingerprint that joined it (an alias)."""
    path = tmp_path / "worker.db"
    retry = RetryPolicy(attempts=1, initial_wait=0, max_wait=0, total=1)
    with stub_runtime(f"sqlite:///{path}", tmp_path, retry) as runtime:
        for incident_id in ("inc-1", "inc-joined"):
            declared = parse(DECLARED, {**DECLARATION, "incident_id": incident_id})
            handle_declared(runtime, declared, f"m-{incident_id}")
        yield runtime, path


@pytest.mark.parametrize("incident_id", ["inc-1", "inc-joined", "inc-typo", "", "inc-1' OR 1=1"])
def test_an_incident_is_known_exactly_when_the_worker_finds_it(
    worker: tuple[Runtime, Path], incident_id: str
) -> None:
    """Its own id, an alias that joined it, and ids it does not have, as the worker reads them."""
    runtime, path = worker
    with runtime.database.sessions() as session:
        expected = find_incident(session, incident_id) is not None
    with reading(path, timeout=1) as connection:
        assert incident_known(connection, incident_id) is expected


def test_the_alias_case_is_one_the_fixture_really_has(worker: tuple[Runtime, Path]) -> None:
    with reading(worker[1], timeout=1) as connection:
        assert incident_known(connection, "inc-joined")
        aliases = connection.execute("SELECT alias FROM incident_aliases").fetchall()
    assert aliases == [("inc-joined",)]


def test_it_reads_beside_a_writer_holding_the_write_lock(worker: tuple[Runtime, Path]) -> None:
    """The worker holds SQLite's write lock for each transaction: a read does not queue behind
    it (the write-ahead log lets readers in)."""
    _, path = worker
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        with reading(path, timeout=0.1) as connection:
            assert incident_known(connection, "inc-1")
    finally:
        writer.close()


def test_it_cannot_write(worker: tuple[Runtime, Path]) -> None:
    with (
        reading(worker[1], timeout=1) as connection,
        pytest.raises(sqlite3.OperationalError, match="readonly"),
    ):
        connection.execute("DELETE FROM incidents")


URLS = [
    "sqlite:////var/lib/muster/muster.db",
    "sqlite:///var/muster.db",
    "sqlite:///a b.db",
    "sqlite:///a@b.db",
    "sqlite:///a%20b.db",
    "sqlite:///:memory:",
    "sqlite://",
    "sqlite:///",
    "sqlite:///file:x.db?mode=ro&uri=true",
    "sqlite:///x.db?timeout=5",
    "sqlite+pysqlite:///x.db",
    "postgresql+psycopg://muster@db/muster",
]


@pytest.mark.parametrize("url", URLS)
def test_a_url_read_without_sqlalchemy_names_the_file_sqlalchemy_would_open(url: str) -> None:
    """Only plain ``sqlite:///PATH`` URLs are read so; each names SQLAlchemy's own file, and
    every other URL is left to SQLAlchemy."""
    path = sqlite_file(url)
    if path is not None:
        assert str(path) == make_url(url).database


def test_plain_files_are_read_without_sqlalchemy() -> None:
    plain = [url for url in URLS if sqlite_file(url) is not None]
    assert plain == URLS[:4]
