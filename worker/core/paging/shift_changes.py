"""Who gains shifts and who is relieved of them when who holds a rotation changes.

An override added or removed (or a config edit) changes who is on call somewhere; the people
whose shifts change must be told, each once: the person taking over and the person relieved.
This compares the final shifts (:mod:`muster.worker.core.paging.shifts`, overrides applied)
of the routing before and after, rotation by rotation, over a span, and returns per person the
stretches they gained and the stretches they were relieved of, each with who held it instead.
It never models the schedule a second time: every stretch is the engine's holder before and
after at each instant inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import pairwise

from muster.worker.core.paging.duties import duties_of
from muster.worker.core.paging.rotations import CompiledRotation
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.shifts import rotation_shifts


@dataclass(frozen=True, slots=True)
class Handover:
    """``rotation`` was held by ``was`` and is now held by ``now`` from ``starts`` until
    ``until`` (UTC, the end exclusive); either may be None: a gap."""

    rotation: str
    was: str | None
    now: str | None
    starts: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class Stretch:
    """Part of a person's change: ``rotation`` (held for ``roles`` and as the SMEs of
    ``services``) from ``starts`` until ``until``; ``other`` is who held it before (a gained
    stretch) or holds it now (a relieved one), None for a gap."""

    rotation: str
    roles: tuple[str, ...]
    services: tuple[str, ...]
    starts: datetime
    until: datetime
    other: str | None


@dataclass(frozen=True, slots=True)
class PersonChange:
    """What one person must be told: the stretches they now hold and those they no longer do."""

    person: str
    gained: tuple[Stretch, ...]
    relieved: tuple[Stretch, ...]


def _cuts(
    rotations: Iterable[CompiledRotation | None], start: datetime, end: datetime
) -> list[datetime]:
    """``start``, ``end`` and every shift edge of ``rotations`` between them, in order."""
    edges = {start, end}
    for rotation in rotations:
        if rotation is None:
            continue
        for shift in rotation_shifts(rotation, start, end):
            edges.update(
                edge
                for edge in (shift.starts, shift.until)
                if edge is not None and start < edge < end
            )
    return sorted(edges)


def handovers(
    rotation: str,
    before: CompiledRotation | None,
    after: CompiledRotation | None,
    start: datetime,
    end: datetime,
) -> tuple[Handover, ...]:
    """The stretches of ``[start, end)`` where ``rotation``'s holder differs between ``before``
    and ``after`` (None: the rotation does not exist on that side), merged where the pair of
    holders stays the same."""
    found: list[Handover] = []
    for begins, ends in pairwise(_cuts((before, after), start, end)):
        was = before.on_call(begins) if before is not None else None
        now = after.on_call(begins) if after is not None else None
        if was == now:
            continue
        last = found[-1] if found else None
        if last is not None and (last.was, last.now, last.until) == (was, now, begins):
            found[-1] = replace(last, until=ends)
        else:
            found.append(Handover(rotation, was, now, begins, ends))
    return tuple(found)


def shift_changes(
    before: Routing,
    after: Routing,
    start: datetime,
    end: datetime,
    rotations: frozenset[str] | None = None,
) -> tuple[PersonChange, ...]:
    """Per person, what they gained and were relieved of in ``[start, end)`` between the
    routing ``before`` and ``after`` (only ``rotations``, when given), people in the order the
    ``after`` config lists them, then any others by name."""
    duties = {**duties_of(before.config), **duties_of(after.config)}
    names = [*after.rotations, *(n for n in before.rotations if n not in after.rotations)]
    gained: dict[str, list[Stretch]] = {}
    relieved: dict[str, list[Stretch]] = {}
    for name in names:
        if rotations is not None and name not in rotations:
            continue
        roles, services = duties[name]
        for handover in handovers(
            name, before.rotations.get(name), after.rotations.get(name), start, end
        ):
            if handover.now is not None:
                gained.setdefault(handover.now, []).append(
                    Stretch(name, roles, services, handover.starts, handover.until, handover.was)
                )
            if handover.was is not None:
                relieved.setdefault(handover.was, []).append(
                    Stretch(name, roles, services, handover.starts, handover.until, handover.now)
                )
    people = [p for p in after.config.people if p in gained or p in relieved]
    people += sorted((set(gained) | set(relieved)) - set(people))
    return tuple(
        PersonChange(person, tuple(gained.get(person, ())), tuple(relieved.get(person, ())))
        for person in people
    )
