"""Migrations carry the rows already written: a database upgraded keeps its dead letters."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from muster.worker.store.db import alembic_config


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
