"""Which worker and beat processes are alive: one row each, upserted by the process itself.

Writes are one ``INSERT … ON CONFLICT (kind, name) DO UPDATE`` a period (SQLite and PostgreSQL
both have it, through SQLAlchemy's dialect ``insert``), plus now and then a ``DELETE`` of rows
nobody has refreshed for a long time. Reads are for ``/readyz`` and need nothing but ``SELECT``:
the web process reads them on an engine that cannot write (:func:`muster.worker.store.db.
make_engine` with ``read_only``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from muster.worker.store.process_kinds import BEAT, KINDS, WORKER
from muster.worker.store.upkeep_models import PROCESSES

__all__ = ["BEAT", "KINDS", "WORKER", "forget", "last_seen", "ping", "seen"]


def seen(
    connection: Connection, kind: str, name: str, at: datetime, prune_before: datetime | None = None
) -> None:
    """Record that process ``name`` of ``kind`` is alive at ``at`` (its first time: started);
    with ``prune_before``, forget processes last seen before it."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(PROCESSES).values(kind=kind, name=name, started_at=at, seen_at=at)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[PROCESSES.c.kind, PROCESSES.c.name],
            set_={"seen_at": statement.excluded.seen_at},
        )
    )
    if prune_before is not None:
        connection.execute(delete(PROCESSES).where(PROCESSES.c.seen_at < prune_before))


def forget(connection: Connection, kind: str, name: str) -> None:
    """Remove a process's row (it is shutting down: it should stop counting as alive at once)."""
    connection.execute(delete(PROCESSES).where(PROCESSES.c.kind == kind, PROCESSES.c.name == name))


def ping(engine: Engine) -> None:
    """``SELECT 1``: raises when the database does not answer."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def last_seen(engine: Engine) -> dict[str, datetime]:
    """When a process of each kind was last seen (kinds never seen are absent)."""
    latest = func.max(PROCESSES.c.seen_at)  # typed as the column: aware UTC on both databases
    with engine.connect() as connection:
        rows = connection.execute(select(PROCESSES.c.kind, latest).group_by(PROCESSES.c.kind))
        return {kind: at for kind, at in rows if at is not None}
