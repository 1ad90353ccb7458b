"""The clock, passed in: the worker reads real time, tests move time by hand and never sleep."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that says what time it is (aware UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to, for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The clock's current time."""
        with self._lock:
            return self._now

    def advance(self, by: timedelta) -> datetime:
        """Move time forward by ``by`` and return the new time."""
        with self._lock:
            self._now += by
            return self._now

    def set(self, to: datetime) -> None:
        """Jump to ``to`` (aware)."""
        with self._lock:
            self._now = to.astimezone(UTC)
