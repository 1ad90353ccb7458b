"""Who gains and who loses on-call time when a config is edited, rotation by rotation.

A claim is the exact difference of the two sides' final shifts: the range ``[start, end)`` is cut
at every shift edge of either side, and where the holders differ the old holder loses that stretch
and the new one gains it. A shift that grows by an hour is one claim of an hour, not a removed
week and an added week, so a reviewer reads only what really moves; a gap (nobody on call) is a
holder too, so an edit that opens or closes one says so.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from muster.worker.core.paging.duties import Duty, final_shifts
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.shifts import Shift

_ABSENT = "\x00absent"
"""The holder of a rotation one side does not define: nobody gains or loses it there."""


@dataclass(frozen=True, slots=True)
class ShiftChange:
    """``person`` (None: a gap, nobody on call) gains (or loses) ``rotation`` from ``starts``
    until ``until`` (UTC, end exclusive), held for ``roles`` and the SMEs of ``services``."""

    person: str | None
    rotation: str
    gained: bool
    starts: datetime
    until: datetime
    roles: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


class Holders:
    """A rotation's holder at any instant of the range its final shifts were listed for (a
    bisection, where the compiled rotation works out turns and wall clocks)."""

    def __init__(self, shifts: tuple[Shift, ...] | None) -> None:
        self.shifts = shifts
        self.starts = [] if shifts is None else [s.starts for s in shifts]

    def at(self, moment: datetime) -> str | None:
        if self.shifts is None:
            return _ABSENT
        index = bisect_right(self.starts, moment.timestamp(), key=_early) - 1
        for shift in self.shifts[max(index, 0) : index + 2]:
            if shift.holds(moment):
                return shift.person
        return None

    def edges(self) -> set[datetime]:
        found: set[datetime] = set()
        for shift in self.shifts or ():
            found.update(edge for edge in (shift.starts, shift.until) if edge is not None)
        return found


def _early(moment: datetime | None) -> float:
    return float("-inf") if moment is None else moment.timestamp()


def shift_changes(
    old: Routing,
    new: Routing,
    start: datetime,
    end: datetime,
    edited: frozenset[str] | None = None,
) -> tuple[ShiftChange, ...]:
    """Every stretch of ``[start, end)`` a person (or a gap) gains or loses, by rotation (the new
    config's order, then rotations only the old one has), merged where one person's stretches
    meet. ``edited``: the rotations the edit touched, when known (:func:`edited_rotations`)."""
    edited = edited_rotations(old, new) if edited is None else edited
    before = {duty.rotation: duty for duty in final_shifts(old, start, end, rotations=edited)}
    after = {duty.rotation: duty for duty in final_shifts(new, start, end, rotations=edited)}
    changes: list[ShiftChange] = []
    for name in [*after, *(name for name in before if name not in after)]:
        changes += _rotation_changes(before.get(name), after.get(name), name, start, end)
    return tuple(changes)


def edited_rotations(old: Routing, new: Routing) -> frozenset[str] | None:
    """The rotations whose holders the edit can change (None: all, the timezone changed): a
    rotation written the same, with the same overrides in the same order, has the same final
    shifts, and most of a large organisation's rotations are untouched by one pull request."""
    if old.config.timezone != new.config.timezone:
        return None
    written_old, written_new = old.config.rotations, new.config.rotations
    return frozenset(
        name
        for name in {*written_old, *written_new}
        if written_old.get(name) != written_new.get(name)
        or _overrides_of(old, name) != _overrides_of(new, name)
    )


def _overrides_of(routing: Routing, rotation: str) -> list[object]:
    return [override for override in routing.config.overrides if override.rotation == rotation]


def _rotation_changes(
    old: Duty | None, new: Duty | None, name: str, start: datetime, end: datetime
) -> list[ShiftChange]:
    was = Holders(None if old is None else old.shifts)
    now = Holders(None if new is None else new.shifts)
    cuts = sorted({start, end, *(e for e in was.edges() | now.edges() if start < e < end)})
    changes: list[ShiftChange] = []
    for begins, ends in pairwise(cuts):
        lost, gained = was.at(begins), now.at(begins)
        if lost == gained:
            continue
        for person, duty, gain in ((lost, old, False), (gained, new, True)):
            if person == _ABSENT or duty is None:
                continue
            _add(changes, ShiftChange(person, name, gain, begins, ends, duty.roles, duty.services))
    return changes


def _add(changes: list[ShiftChange], change: ShiftChange) -> None:
    """Append ``change``, or extend the same person's same kind of claim that ends where it
    begins."""
    for index in range(len(changes) - 1, -1, -1):
        last = changes[index]
        if (last.person, last.gained) == (change.person, change.gained):
            if last.until == change.starts:
                changes[index] = ShiftChange(
                    last.person,
                    last.rotation,
                    last.gained,
                    last.starts,
                    change.until,
                    last.roles,
                    last.services,
                )
                return
            break
    changes.append(change)
