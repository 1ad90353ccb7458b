"""Where the web remembers the signed requests it accepted, so the same one twice is refused.

Deployed, every web process shares the database's store
(:class:`muster.worker.store.seen_signatures.DatabaseSeenSignatures`); an app built without a
database (tests, an embedded web) remembers in its own memory, which no other process shares.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Protocol


class SeenSignatures(Protocol):
    """Records a signature's digest until it expires; False if it was recorded already.

    Raises :class:`muster.worker.store.SeenUnavailable` when it cannot tell.
    """

    def first_sight(self, digest: str, expires_at: datetime, now: datetime) -> bool: ...

    def forget(self, digest: str) -> None:
        """Unrecord ``digest``: its request was not queued, and its retry is no replay."""


class MemorySeenSignatures:
    """Seen signatures in this process only (expired ones dropped as new ones arrive)."""

    def __init__(self) -> None:
        self._seen: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def first_sight(self, digest: str, expires_at: datetime, now: datetime) -> bool:
        """Record ``digest`` until ``expires_at``; False if it is recorded and unexpired."""
        with self._lock:
            self._seen = {key: until for key, until in self._seen.items() if until >= now}
            if digest in self._seen:
                return False
            self._seen[digest] = expires_at
            return True

    def forget(self, digest: str) -> None:
        """Unrecord ``digest`` (its request was not queued)."""
        with self._lock:
            self._seen.pop(digest, None)
