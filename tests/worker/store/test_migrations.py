"""Migrations carry the rows already written: a database upgraded keeps its dead letters
(on SQLite, and on PostgreSQL where a migration differs between them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from muster.channels.retry import RetryPolicy
from muster.worker.incidents.dead_letters import dead_letter
from muster.worker.store.db import alembic_config
from tests.harness.runtimes import stub_runtime
from tests.harness.servers import postgres_database


def test_dead_letters_from_before_0005_are_invalid_and_not_discarded(tmp_path: Path) -> None:
    """Every letter kept before 0005 was refused by muster's handler: kind ``invalid``."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0003")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO dead_letters (message_id, task, payload, reason, received_at)"
                    " VALUES ('m-1', 'muster.incident.declared', '{\"x\": 1}', 'bad',"
                    " '2026-11-25 12:00:00')"
                )
            )
        command.upgrade(alembic_config(url), "head")
        with engine.connect() as connection:
            row = connection.execute(text("SELECT kind, discarded_at FROM dead_letters")).one()
        assert tuple(row) == ("invalid", None)
        command.downgrade(alembic_config(url), "0003")
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    database = (
        postgres_database()
        if request.param == "postgresql"
        else nullcontext(f"sqlite:///{tmp_path / 'old.db'}")
    )
    with database as url:
        yield url


def test_letters_from_before_0009_are_found_again_by_id_and_content(
    old_url: str, tmp_path: Path
) -> None:
    """A letter kept before 0009 gets the content key of what it holds: its message delivered
    again is still that letter, and a different message under its id is a second one. Going
    back down keeps every letter (only the first of an id keeps the id)."""
    command.upgrade(alembic_config(old_url), "0008")
    engine = create_engine(old_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO dead_letters"
                    " (message_id, task, kind, payload, reason, received_at) VALUES"
                    " ('m-1', 'muster.incident.declared', 'invalid', '{\"x\": 1}', 'bad',"
                    " '2026-11-25 12:00:00')"
                )
            )
        with stub_runtime(old_url, tmp_path, RetryPolicy()) as rt:  # upgrades to head
            again = dead_letter(rt, "muster.incident.declared", {"x": 1}, "bad", "m-1")
            other = dead_letter(rt, "muster.incident.declared", {"x": 2}, "bad", "m-1")
        assert (again, other) == (1, 2)
        command.downgrade(alembic_config(old_url), "0008")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, message_id FROM dead_letters ORDER BY id"))
            assert [tuple(row) for row in rows] == [(1, "m-1"), (2, None)]
    finally:
        engine.dispose()


def test_0016_goes_down_and_up_again_with_the_silences(old_url: str) -> None:
    """Going back below 0016 drops the silences (and only them); going up again works."""
    command.upgrade(alembic_config(old_url), "head")
    engine = create_engine(old_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO silences (id, scope, starts_at, ends_at, author, reason, source,"
                    " created_at) VALUES ('ab12cd34', '{\"services\": [\"api\"]}',"
                    " '2026-11-25 12:00:00', '2026-11-25 14:00:00', 'alice', 'r', 'cli',"
                    " '2026-11-25 12:00:00')"
                )
            )
        command.downgrade(alembic_config(old_url), "0015")
        command.upgrade(alembic_config(old_url), "head")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM silences")).scalar() == 0
    finally:
        engine.dispose()


def test_0017_goes_down_and_up_again_with_the_window_edges(old_url: str) -> None:
    """Going back below 0017 drops the window edges announced (and only them); going up again
    works, and an edge is still unique per window, occurrence start and edge."""
    command.upgrade(alembic_config(old_url), "head")
    engine = create_engine(old_url)
    edge = text(
        "INSERT INTO window_edges (window_name, starts_at, edge, ends_at, reason, rooms,"
        " announced_at) VALUES ('failover', '2026-11-25 12:00:00', 'started',"
        " '2026-11-25 13:00:00', 'r', '[]', '2026-11-25 12:00:00')"
    )
    try:
        with engine.begin() as connection:
            connection.execute(edge)
        command.downgrade(alembic_config(old_url), "0016")
        command.upgrade(alembic_config(old_url), "head")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM window_edges")).scalar() == 0
            connection.execute(edge)
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(edge)
    finally:
        engine.dispose()


def test_0018_keeps_a_pruned_override_once_and_goes_down_and_up_again(old_url: str) -> None:
    """The history holds an override id once; going back below 0018 drops it, and up works."""
    command.upgrade(alembic_config(old_url), "head")
    engine = create_engine(old_url)
    pruned = text(
        "INSERT INTO pruned_overrides (override_id, rotation, person, starts_at, until, reason,"
        " pruned_at) VALUES ('ov-1', 'scribes', 'grace', '2026-11-25 12:00:00',"
        " '2026-11-25 13:00:00', 'r', '2026-12-25 12:00:00')"
    )
    try:
        with engine.begin() as connection:
            connection.execute(pruned)
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(pruned)
        command.downgrade(alembic_config(old_url), "0017")
        command.upgrade(alembic_config(old_url), "head")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM pruned_overrides")).scalar() == 0
    finally:
        engine.dispose()
