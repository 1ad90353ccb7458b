"""Silences read from a SQLite database file with the standard library alone.

``muster silence list`` and ``muster route --at`` read silences; on the embedded database they
read them with Python's ``sqlite3`` rather than pay for importing SQLAlchemy (issue 19: most of
a short command's time). The query is :func:`muster.worker.store.silences.stored`'s, written in
SQL: a test holds the two to the same answers on a migrated database.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from muster.worker.core.config.maintenance import HoldScope
from muster.worker.core.decisions.silences import Silence

_COLUMNS = (
    "id, scope, starts_at, ends_at, author, reason, created_at, source, expired_at, expired_by"
)
_ALL = f"SELECT {_COLUMNS} FROM silences"  # noqa: S608 - constants
_AFTER = f"{_ALL} WHERE ends_at > :at"
_ORDER = " ORDER BY starts_at, id"


def stored_in_file(connection: sqlite3.Connection, after: datetime | None) -> list[Silence]:
    """Every silence planned to end after ``after`` (None: every one), by start then id (as
    :func:`~muster.worker.store.silences.stored`)."""
    if after is None:
        rows = connection.execute(_ALL + _ORDER).fetchall()
    else:
        rows = connection.execute(_AFTER + _ORDER, {"at": _stored(after)}).fetchall()
    return [_silence(row) for row in rows]


def _stored(at: datetime) -> str:
    """``at`` as SQLAlchemy stores a UTC time in SQLite: naive, with microseconds."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _at(value: object) -> datetime:
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _silence(row: tuple[object, ...]) -> Silence:
    ident, scope, starts, ends, author, reason, created, source, expired, expired_by = row
    return Silence(
        id=str(ident),
        scope=HoldScope.model_validate(json.loads(str(scope))),
        starts=_at(starts),
        ends=_at(ends),
        author=str(author),
        reason=str(reason),
        created_at=_at(created),
        source=str(source),
        expired_at=None if expired is None else _at(expired),
        expired_by=None if expired_by is None else str(expired_by),
    )
