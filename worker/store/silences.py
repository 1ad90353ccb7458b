"""Silences in the database: add, list, expire, and the holds they are at an instant.

The database is the source of truth for silences as for incidents: the CLI and the web write
here (the web on its writer engine, as it writes seen signatures), and the worker reads holds
from here (:func:`silence_holds`) in the transaction that decides a page, so a silence added
or expired is obeyed from the next decision on, by every worker.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from muster.worker.core.config.maintenance import HoldScope
from muster.worker.core.decisions.holds import Hold
from muster.worker.core.decisions.silences import (
    EXPIRED_NOW,
    ID_LENGTH,
    OVER,
    UNKNOWN,
    Expiry,
    Silence,
    not_over,
)
from muster.worker.store import SilencesUnavailable
from muster.worker.store.db import Database
from muster.worker.store.silence_rows import SilenceRow


def new_id() -> str:
    """A fresh silence id: :data:`ID_LENGTH` lowercase hex characters."""
    return secrets.token_hex(ID_LENGTH // 2)


def add(session: Session, silence: Silence) -> Silence:
    """Store ``silence`` under a new id (its own id is ignored); the silence as stored."""
    ident = new_id()
    while session.get(SilenceRow, ident) is not None:
        ident = new_id()
    stored = replace(silence, id=ident)
    session.add(
        SilenceRow(
            id=ident,
            scope=stored.scope.model_dump(mode="json"),
            starts_at=stored.starts,
            ends_at=stored.ends,
            author=stored.author,
            reason=stored.reason,
            source=stored.source,
            created_at=stored.created_at,
        )
    )
    session.flush()
    return stored


def listed(session: Session, at: datetime, everything: bool = False) -> list[Silence]:
    """The silences holding at ``at`` or to come (``everything``: ended and expired ones too),
    by start then id."""
    return not_over(stored(session, None if everything else at), at, everything)


def stored(session: Session, after: datetime | None) -> list[Silence]:
    """Every silence planned to end after ``after`` (None: every one), by start then id."""
    query = select(SilenceRow).order_by(SilenceRow.starts_at, SilenceRow.id)
    if after is not None:
        query = query.where(SilenceRow.ends_at > after)
    return [silence_of(row) for row in session.scalars(query)]


def find(session: Session, ident: str) -> Silence | None:
    """The silence ``ident``, if there is one."""
    row = session.get(SilenceRow, ident)
    return None if row is None else silence_of(row)


def expire(session: Session, ident: str, at: datetime, by: str) -> Expiry:
    """End silence ``ident`` at ``at`` (by ``by``), unless it has ended already; one
    conditional update, so two expiries at once record the first."""
    ended = session.execute(
        update(SilenceRow)
        .where(
            SilenceRow.id == ident,
            SilenceRow.expired_at.is_(None),
            SilenceRow.ends_at > at,
        )
        .values(expired_at=at, expired_by=by)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount == 1:  # type: ignore[attr-defined]
        return EXPIRED_NOW
    return OVER if session.get(SilenceRow, ident) is not None else UNKNOWN


def silence_holds(session: Session, at: datetime) -> list[Hold]:
    """The hold of each silence planned to end after ``at``: holding, to come, or expired
    early (its hold then ends at its expiry, which whoever reads holds sees as its end)."""
    return [silence.hold() for silence in stored(session, at)]


def silence_of(row: SilenceRow) -> Silence:
    """A stored row as the core's :class:`Silence`."""
    return Silence(
        id=row.id,
        scope=HoldScope.model_validate(row.scope),
        starts=row.starts_at,
        ends=row.ends_at,
        author=row.author,
        reason=row.reason,
        created_at=row.created_at,
        source=row.source,
        expired_at=row.expired_at,
        expired_by=row.expired_by,
    )


class DatabaseSilences:
    """The web's silences: :func:`add`, :func:`listed` and :func:`expire`, each in a
    transaction of its own on an engine that may write (this table only)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, silence: Silence) -> Silence:
        with self._failing(), self.database.transaction() as session:
            return add(session, silence)

    def listed(self, at: datetime, everything: bool = False) -> list[Silence]:
        with self._failing(), self.database.sessions() as session:
            return listed(session, at, everything)

    def expire(self, ident: str, at: datetime, by: str) -> Expiry:
        with self._failing(), self.database.transaction() as session:
            return expire(session, ident, at, by)

    @contextmanager
    def _failing(self) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as problem:
            raise SilencesUnavailable(type(problem).__name__) from None
