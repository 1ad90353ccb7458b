"""Final shifts: who holds each rotation from when until when, overrides applied, gaps shown.

The rotation engine answers "who is on call at this instant"; people ask "who is on call now,
since when, until when, and who is next", and calendars and payroll want the same as a list of
shifts. A shift here is a stretch in which the engine's answer does not change, so a person
holding two turns in a row, or an override that changes nobody, is one shift: the listing is
exactly the engine's holders at every instant inside it, never a second model of the schedule.
Config diffs (issue 24) compare these lists before and after an edit; what a rotation is held
for, and the listings people ask for, are :mod:`muster.worker.core.paging.duties`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from muster.worker.core.paging.rotations import CompiledRotation

FIRST_REACH = timedelta(days=7)
"""How far past the asked range a shift's real start or end is first looked for (doubled until
found)."""
REACH = timedelta(days=400)
_TICK = timedelta(microseconds=1)
"""How far past the asked range a shift's start or end is looked for at most: a holder unchanged
that long (one member, no turns) is reported without one (None), as always on call."""


@dataclass(frozen=True, slots=True)
class Shift:
    """``person`` holds the rotation from ``starts`` until ``until`` (UTC, the end exclusive);
    ``person`` None is a gap: nobody is on call. None for ``starts`` or ``until``: unchanged as
    far as muster looks (:data:`REACH`). ``override``: an override holds some of it."""

    rotation: str
    person: str | None
    starts: datetime | None
    until: datetime | None
    override: bool = False

    def holds(self, at: datetime) -> bool:
        """Whether ``at`` lies in the shift."""
        return (self.starts is None or self.starts <= at) and (
            self.until is None or at < self.until
        )

    def hours(self, start: datetime, end: datetime) -> float:
        """How long the shift lasts within ``[start, end)``, in elapsed hours (payroll's)."""
        begins = start if self.starts is None else max(start, self.starts)
        ends = end if self.until is None else min(end, self.until)
        return max((ends - begins).total_seconds(), 0.0) / 3600


def _edges(rotation: CompiledRotation, lo: datetime, hi: datetime) -> list[datetime]:
    """Instants in ``(lo, hi)`` where the holder may change: the engine's own list, but for a
    rotation of one member only its overrides and its first turn (its other handoffs hand it
    from that member to the same member, and a year of them is most of a listing's cost)."""
    if len(rotation.members) > 1:
        return [edge for edge in rotation.changes_between(lo, hi) if edge < hi]
    edges = {edge for window in rotation.overrides for edge in (window.starts, window.until)}
    turns = rotation.every is not None and rotation.anchor_day is not None
    if turns and rotation.members and rotation.first_turn is not None:
        edges.add(rotation.first_turn)
    return sorted(edge for edge in edges if lo < edge < hi)


def _stretches(rotation: CompiledRotation, lo: datetime, hi: datetime) -> list[Shift]:
    """``[lo, hi)`` cut at each change, merged where the holder stays."""
    merged: list[Shift] = []
    for begins, ends in pairwise([lo, *_edges(rotation, lo, hi), hi]):
        person = rotation.on_call(begins)
        override = rotation.override_at(begins) is not None
        if merged and merged[-1].person == person:
            last = merged[-1]
            merged[-1] = replace(last, until=ends, override=last.override or override)
        else:
            merged.append(Shift(rotation.name, person, begins, ends, override))
    return merged


def _first_step(rotation: CompiledRotation) -> timedelta:
    """How far to look first for a turn's start or end: a week, or one turn if longer."""
    return max(FIRST_REACH, rotation.every or FIRST_REACH)


def _began(rotation: CompiledRotation, at: datetime, person: str | None) -> Shift | None:
    """The stretch ``person`` has held ``rotation`` for up to ``at`` (looking back in growing
    steps, at most :data:`REACH`), its start None if held all that way; None if someone else
    held it just before ``at``."""
    cursor, span, looked, override = at, _first_step(rotation), timedelta(0), False
    while looked < REACH:
        lo = cursor - span
        tail = _stretches(rotation, lo, cursor)[-1]
        if tail.person != person:
            return None if cursor == at else Shift(rotation.name, person, cursor, at, override)
        override = override or tail.override
        if tail.starts is not None and tail.starts > lo:
            return Shift(rotation.name, person, tail.starts, at, override)
        looked, cursor = looked + span, lo
        span = min(span * 2, REACH - looked)
    return Shift(rotation.name, person, None, at, override)


def _ends(rotation: CompiledRotation, at: datetime, person: str | None) -> Shift | None:
    """:func:`_began` forwards: the stretch ``person`` goes on holding ``rotation`` from
    ``at``, its end None if held all of :data:`REACH`; None if someone else holds it at ``at``."""
    cursor, span, looked, override = at, _first_step(rotation), timedelta(0), False
    while looked < REACH:
        hi = cursor + span
        head = _stretches(rotation, cursor, hi)[0]
        if head.person != person:
            return None if cursor == at else Shift(rotation.name, person, at, cursor, override)
        override = override or head.override
        if head.until is not None and head.until < hi:
            return Shift(rotation.name, person, at, head.until, override)
        looked, cursor = looked + span, hi
        span = min(span * 2, REACH - looked)
    return Shift(rotation.name, person, at, None, override)


def rotation_shifts(
    rotation: CompiledRotation, start: datetime, end: datetime
) -> tuple[Shift, ...]:
    """The final shifts of ``rotation`` that overlap ``[start, end)`` (aware instants; the one
    holding ``start`` when they are equal), in order, each with its real start and end even
    outside the range: the shift holding ``start`` says since when its person holds it, the
    last one until when."""
    hi = max(end, start + _TICK)
    shifts = _stretches(rotation, start, hi)
    first, last = shifts[0], shifts[-1]
    before = _began(rotation, start, first.person)
    if before is not None:
        first = replace(first, starts=before.starts, override=first.override or before.override)
        shifts[0] = first
    after = _ends(rotation, hi, last.person)
    if after is not None:
        last = shifts[-1]
        shifts[-1] = replace(last, until=after.until, override=last.override or after.override)
    return tuple(shifts)


def upcoming(rotation: CompiledRotation, at: datetime, count: int) -> tuple[Shift, ...]:
    """The shift holding ``at`` and the ``count`` after it (fewer if none follow within
    :data:`REACH`): who is on call now and the next handoffs."""
    span = min(max(FIRST_REACH, (rotation.every or FIRST_REACH) * (count + 1)), REACH)
    while True:
        shifts = rotation_shifts(rotation, at, at + span)
        if len(shifts) > count or span >= REACH or shifts[-1].until is None:
            return shifts[: count + 1]
        span = min(span * 2, REACH)
