"""The liveness rows: one UPSERT a period on SQLite and on PostgreSQL, pruning, the reads of
``/readyz``, and the web's engine that cannot write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from muster.worker.observe.liveness import LivenessWriter
from muster.worker.store.db import Database, make_engine
from muster.worker.store.processes import BEAT, WORKER, forget, last_seen, ping, seen
from muster.worker.store.upkeep_models import PROCESSES
from tests.harness.servers import scratch_database

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with scratch_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def database(url: str) -> Iterator[Database]:
    database = Database.connect(url)
    yield database
    database.engine.dispose()


def rows(database: Database) -> list[tuple[str, str, datetime, datetime]]:
    with database.engine.connect() as connection:
        result = connection.execute(
            select(
                PROCESSES.c.kind, PROCESSES.c.name, PROCESSES.c.started_at, PROCESSES.c.seen_at
            ).order_by(PROCESSES.c.kind, PROCESSES.c.name)
        )
        return [tuple(row) for row in result]


def test_a_process_is_inserted_then_refreshed_in_place(database: Database) -> None:
    with database.engine.begin() as connection:
        seen(connection, WORKER, "muster-1@a", T0)
        seen(connection, BEAT, "muster-1@a", T0)  # the same process's beat: a row of its own
    with database.engine.begin() as connection:
        seen(connection, WORKER, "muster-1@a", T0 + timedelta(seconds=5))
    assert rows(database) == [
        ("beat", "muster-1@a", T0, T0),
        ("worker", "muster-1@a", T0, T0 + timedelta(seconds=5)),  # started_at kept
    ]


def test_the_freshest_of_each_kind_is_read_and_old_rows_pruned(database: Database) -> None:
    with database.engine.begin() as connection:
        seen(connection, WORKER, "muster-1@a", T0 - timedelta(hours=2))
        seen(connection, WORKER, "muster-2@b", T0 - timedelta(seconds=8))
        seen(connection, BEAT, "muster-3@b", T0 - timedelta(seconds=2))
    reader = make_engine(str(database.engine.url.render_as_string(hide_password=False)), True)
    try:
        ping(reader)
        assert last_seen(reader) == {
            "worker": T0 - timedelta(seconds=8),
            "beat": T0 - timedelta(seconds=2),
        }
        with database.engine.begin() as connection:
            seen(connection, BEAT, "muster-3@b", T0, prune_before=T0 - timedelta(hours=1))
            forget(connection, WORKER, "muster-2@b")
        assert last_seen(reader) == {"beat": T0}
        assert [name for _, name, _, _ in rows(database)] == ["muster-3@b"]
    finally:
        reader.dispose()


def test_the_web_engine_cannot_write(database: Database) -> None:
    """The web process reads the database for /readyz; its engine refuses any write."""
    reader = make_engine(str(database.engine.url.render_as_string(hide_password=False)), True)
    try:
        with pytest.raises(DBAPIError, match=r"(?i)read.only|readonly"), reader.begin() as c:
            seen(c, WORKER, "muster-9@web", T0)
    finally:
        reader.dispose()
    assert rows(database) == []


def test_a_liveness_writer_writes_while_alive_and_survives_a_failing_database(
    database: Database,
) -> None:
    alive = True
    moments = iter([T0, T0 + timedelta(seconds=5), T0 + timedelta(seconds=10)])
    writer = LivenessWriter(
        database, WORKER, "muster-7@a", alive=lambda: alive, now=lambda: next(moments)
    )
    assert writer.write() is True
    alive = False
    assert writer.write() is False  # not consuming (or a beat not ticking): not written
    assert rows(database)[0][3] == T0
    alive = True
    broken = LivenessWriter(Database(make_engine("sqlite:////nonexistent/folder/x.db")), WORKER)
    assert broken.write() is False  # logged and counted, never raised
    assert writer.write() is True
    assert rows(database)[0][3] == T0 + timedelta(seconds=5)
    writer.forget()
    assert rows(database) == []
