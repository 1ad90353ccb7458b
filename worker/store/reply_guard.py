"""The SMS reply guard in the database: wrong reply codes and lockouts seen by every web process.

The limits (:mod:`muster.worker.core.intake.reply_guard`) bound guesses per number; kept in one
process's
memory, ``muster web --workers N`` or N web hosts would allow N times as many and a lockout would
hold only in the process that saw it. Here each refused reply is a row and each lockout a row,
so every process counts the same guesses and honours the same lockout. Rows older than the
longest window are deleted as new ones are written: the tables stay at most a window's refusals
(the overall cap bounds those) plus a row per locked person.

The web writes only these two tables (its own engine, apart from the read-only one it reads
incidents on); the worker never reads them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from muster.worker.core.intake.reply_guard import (
    LOCKOUT,
    MINUTE,
    OVERALL_PER_MINUTE,
    WINDOW,
    WRONG_CODES,
)
from muster.worker.store.db import Database
from muster.worker.store.upkeep_models import ReplyLockout, ReplyRefusal

KEPT = max(WINDOW, MINUTE)  # how far back any limit looks


class DatabaseReplyGuard:
    """:class:`~muster.worker.core.intake.reply_guard.ReplyGuard`'s limits, on the shared
    database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def locked_until(self, person: str, now: datetime) -> datetime | None:
        with self.database.sessions() as session:
            until = session.scalar(select(ReplyLockout.until).where(ReplyLockout.person == person))
        return until if until is not None and until > now else None

    def overall_full(self, now: datetime) -> bool:
        with self.database.sessions() as session:
            recent = session.scalar(select(func.count()).where(ReplyRefusal.at > now - MINUTE))
        return (recent or 0) >= OVERALL_PER_MINUTE

    def refuse(self, now: datetime) -> None:
        with self.database.transaction() as session:
            self._record(session, None, now)

    def wrong_code(self, person: str, now: datetime) -> bool:
        with self.database.transaction() as session:
            self._record(session, person, now)
            tries = session.scalar(
                select(func.count()).where(
                    ReplyRefusal.person == person,
                    ReplyRefusal.wrong.is_(True),
                    ReplyRefusal.at > now - WINDOW,
                )
            )
            if (tries or 0) < WRONG_CODES:
                return False
            session.merge(ReplyLockout(person=person, until=now + LOCKOUT))
            session.execute(
                delete(ReplyRefusal).where(ReplyRefusal.person == person, ReplyRefusal.wrong)
            )
            return True

    @staticmethod
    def _record(session: Session, person: str | None, now: datetime) -> None:
        session.execute(delete(ReplyRefusal).where(ReplyRefusal.at <= now - KEPT))
        session.execute(delete(ReplyLockout).where(ReplyLockout.until <= now))
        session.add(ReplyRefusal(person=person, wrong=person is not None, at=now))
        session.flush()
