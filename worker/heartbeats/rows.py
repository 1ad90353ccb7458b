"""The ``heartbeats`` rows as the core's ``MonitorState``,
taken under the timer scan's locks and written back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from muster.worker.core.decisions.heartbeats import MonitorState
from muster.worker.store.db import Database
from muster.worker.store.upkeep_models import HEARTBEATS, HeartbeatRow

FIELDS = ("state", "armed_at", "due_at", "last_seen_at", "incident_id", "missed_at")


def state_of(row: HeartbeatRow) -> MonitorState:
    """The core's view of a row."""
    return MonitorState(row.name, **{name: getattr(row, name) for name in FIELDS})


def names(session: Session) -> set[str]:
    """Every monitor that has a row (unlocked: rows are never deleted)."""
    return set(session.scalars(select(HeartbeatRow.name)))


def locked(session: Session) -> list[HeartbeatRow]:
    """Every row no other scan or heartbeat holds, locked until the transaction ends
    (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's transaction holds its one writer)."""
    query = select(HeartbeatRow).order_by(HeartbeatRow.name)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def held(session: Session, name: str) -> HeartbeatRow | None:
    """One monitor's row, locked (waiting for a scan that holds it)."""
    return session.get(HeartbeatRow, name, with_for_update=True)


def insert_new(session: Session, states: Iterable[MonitorState], now: datetime) -> None:
    """Rows for monitors that had none; one another scanner inserted first is kept as it is."""
    values = [_values(state, now) | {"name": state.name} for state in states]
    if not values:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(HEARTBEATS).values(values).on_conflict_do_nothing())


def write(session: Session, row: HeartbeatRow | None, state: MonitorState, now: datetime) -> None:
    """Store ``state`` in ``row`` (a new row when None)."""
    if row is None:
        session.add(HeartbeatRow(name=state.name, **_values(state, now)))
        return
    for name, value in _values(state, now).items():
        setattr(row, name, value)


def claim(database: Database, name: str, incident_id: str, until: datetime, now: datetime) -> bool:
    """Take the settling of ``name``'s incident until ``until``, unless someone holds it."""
    with database.transaction() as session:
        taken = session.execute(
            update(HEARTBEATS)
            .where(
                HEARTBEATS.c.name == name,
                HEARTBEATS.c.incident_id == incident_id,
                (HEARTBEATS.c.settling_until.is_(None)) | (HEARTBEATS.c.settling_until <= now),
            )
            .values(settling_until=until)
        )
        return bool(getattr(taken, "rowcount", 0))


def release(database: Database, name: str, incident_id: str, settled: bool, now: datetime) -> None:
    """Let go of the settling; ``settled``: the incident is resolved, the row forgets it."""
    done = {"incident_id": None, "missed_at": None} if settled else {}
    with database.transaction() as session:
        session.execute(
            update(HEARTBEATS)
            .where(HEARTBEATS.c.name == name, HEARTBEATS.c.incident_id == incident_id)
            .values(settling_until=None, updated_at=now, **done)
        )


def _values(state: MonitorState, now: datetime) -> dict[str, object]:
    return {name: getattr(state, name) for name in FIELDS} | {"updated_at": now}
