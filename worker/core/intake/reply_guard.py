"""How many wrong SMS reply codes are tolerated, per sending person and overall.

A reply code is four digits derived from the incident id: without a limit, one number tries all
10,000 in minutes. So the ``WRONG_CODES``-th wrong code a person's number sends within ``WINDOW``
locks it for ``LOCKOUT`` (a right code then acts no more than a wrong one: a lockout that
a lucky guess lifted would be no lockout). Across every number, at most ``OVERALL_PER_MINUTE``
refused replies a minute are answered; past that every reply waits for the minute to pass (a
spray of senders cannot go round the per-number limit).

:class:`ReplyGuard` keeps the state as plain data, each method given the instant (no clock is
read here): the web's guard when it has no database (tests, a web without one), bounded by the
number of configured people (only their numbers reach the code check) plus
``OVERALL_PER_MINUTE`` instants. The deployed web keeps the same counts in the database
(``muster.worker.store.reply_guard``), so the limits hold across all its processes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

WRONG_CODES = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
OVERALL_PER_MINUTE = 60
MINUTE = timedelta(minutes=1)


class Guard(Protocol):
    """The guard's operations, in memory (:class:`ReplyGuard`) or on the database shared by every
    web process (``muster.worker.store.reply_guard``)."""

    def locked_until(self, person: str, now: datetime) -> datetime | None: ...

    def overall_full(self, now: datetime) -> bool: ...

    def refuse(self, now: datetime) -> None: ...

    def wrong_code(self, person: str, now: datetime) -> bool: ...


@dataclass
class ReplyGuard:
    """Wrong codes per person in the window, lockouts, and the last minute's refusals."""

    wrong: dict[str, deque[datetime]] = field(default_factory=dict)
    locked: dict[str, datetime] = field(default_factory=dict)  # person → locked until
    refused: deque[datetime] = field(default_factory=deque)

    def locked_until(self, person: str, now: datetime) -> datetime | None:
        """When ``person``'s number may reply again, if it is locked out now."""
        until = self.locked.get(person)
        if until is not None and until <= now:
            del self.locked[person]
            return None
        return until

    def overall_full(self, now: datetime) -> bool:
        """Whether the last minute's refused replies reached the overall cap."""
        while self.refused and self.refused[0] <= now - MINUTE:
            self.refused.popleft()
        return len(self.refused) >= OVERALL_PER_MINUTE

    def refuse(self, now: datetime) -> None:
        """A reply was refused (a stranger's number, a lockout): it counts to the overall cap."""
        self.overall_full(now)
        if len(self.refused) < OVERALL_PER_MINUTE:
            self.refused.append(now)

    def wrong_code(self, person: str, now: datetime) -> bool:
        """``person``'s number sent a wrong code; True when this one locks it out."""
        self.refuse(now)
        tries = self.wrong.setdefault(person, deque())
        while tries and tries[0] <= now - WINDOW:
            tries.popleft()
        tries.append(now)
        if len(tries) >= WRONG_CODES:
            self.locked[person] = now + LOCKOUT
            del self.wrong[person]
            return True
        return False
