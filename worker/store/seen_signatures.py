"""The web's one write to the database: signatures it accepted, so a replay is refused.

The web runs as several processes, maybe on several hosts: only a store they all share can
tell that a signature was seen by another. The database is muster's source of truth and every
web process already reaches it, so the seen signatures live there (one row each, keyed by a
digest, never the signature itself), inserted first-come-wins and pruned once expired.
Everything else the web does with the database is read on a read-only engine.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from muster.worker.store import SeenUnavailable
from muster.worker.store.upkeep_models import SEEN_SIGNATURES

__all__ = ["DatabaseSeenSignatures", "SeenUnavailable"]

PRUNE_EVERY = timedelta(minutes=1)  # expired rows are deleted at most this often per process


class DatabaseSeenSignatures:
    """Seen signatures in muster's database, on an engine that may write (this table only)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._pruned_at: datetime | None = None

    def first_sight(self, digest: str, expires_at: datetime, now: datetime) -> bool:
        """Record ``digest`` as seen until ``expires_at``; False if it was already seen."""
        try:
            with self.engine.begin() as connection:
                if self._prune_due(now):
                    connection.execute(
                        delete(SEEN_SIGNATURES).where(SEEN_SIGNATURES.c.expires_at < now)
                    )
                dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
                statement = dialect.insert(SEEN_SIGNATURES).values(
                    digest=digest, expires_at=expires_at
                )
                inserted = connection.scalar(
                    statement.on_conflict_do_nothing().returning(SEEN_SIGNATURES.c.digest)
                )
                return inserted is not None
        except SQLAlchemyError as problem:
            raise SeenUnavailable(type(problem).__name__) from None

    def forget(self, digest: str) -> None:
        """Unrecord ``digest``: its request was not queued (the broker was down), so the
        caller's retry of it is no replay."""
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    delete(SEEN_SIGNATURES).where(SEEN_SIGNATURES.c.digest == digest)
                )
        except SQLAlchemyError as problem:
            raise SeenUnavailable(type(problem).__name__) from None

    def _prune_due(self, now: datetime) -> bool:
        with self._lock:
            if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
                return False
            self._pruned_at = now
            return True
