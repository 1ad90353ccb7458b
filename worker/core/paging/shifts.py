"""Final shifts: who holds each rotation from when until when, overrides applied, gaps shown.

The rotation engine answers "who is on call at this instant"; people ask "who is on call now,
since when, until when, and who is next", and calendars and payroll want the same as a list of
shifts. A shift here is a stretch in which the engine's answer does not change, so a person
holding two turns in a row, or an override that changes nobody, is one shift: the listing is
exactly the engine's holders at every instant inside it, never a second model of the schedule.
Config diffs (issue 24) compare these lists before and after an edit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.paging.rotations import CompiledRotation
from muster.worker.core.paging.routing import Routing

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


@dataclass(frozen=True, slots=True)
class Duty:
    """A rotation with what it is held for: the roles it fills and the services whose subject
    matter experts it is."""

    rotation: str
    roles: tuple[str, ...]
    services: tuple[str, ...]
    shifts: tuple[Shift, ...]


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


def duties_of(config: RoutingConfig) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Rotation → (the roles it fills, the services it is the SMEs of), for every rotation."""
    roles: dict[str, list[str]] = {name: [] for name in config.rotations}
    services: dict[str, list[str]] = {name: [] for name in config.rotations}
    for role, held in config.roles.items():
        roles.setdefault(held.rotation, []).append(role)
    for service, impacted in config.services.items():
        services.setdefault(impacted.smes, []).append(service)
    return {
        name: (tuple(roles.get(name, ())), tuple(services.get(name, ())))
        for name in config.rotations
    }


def final_shifts(
    routing: Routing,
    start: datetime,
    end: datetime | None = None,
    *,
    handoffs: int = 2,
    rotations: frozenset[str] | None = None,
) -> tuple[Duty, ...]:
    """Every rotation's final shifts (or those of ``rotations``), with what it is held for:
    those overlapping ``[start, end)``, or (no ``end``) the one holding ``start`` and the next
    ``handoffs``. Rotations in the config's order."""
    duties = duties_of(routing.config)
    listed = []
    for name, compiled in routing.rotations.items():
        if rotations is not None and name not in rotations:
            continue
        shifts = (
            upcoming(compiled, start, handoffs)
            if end is None
            else rotation_shifts(compiled, start, end)
        )
        roles, services = duties[name]
        listed.append(Duty(name, roles, services, shifts))
    return tuple(listed)


def rotations_of(routing: Routing, person: str) -> frozenset[str]:
    """The rotations ``person`` can hold: those they are a member of or have an override in (a
    person's listing or calendar need look at no other)."""
    return frozenset(
        name
        for name, rotation in routing.rotations.items()
        if person in rotation.members or any(w.person == person for w in rotation.overrides)
    )


def wanted_rotations(
    routing: Routing,
    *,
    role: str | None = None,
    service: str | None = None,
    person: str | None = None,
) -> frozenset[str] | None:
    """The rotations a listing narrowed to ``role``, ``service`` and ``person`` need computed
    (None: every one), so a person's year or one role's shifts cost only theirs."""
    chosen: frozenset[str] | None = None
    config = routing.config
    for needed in (
        None if role is None or role not in config.roles else {config.roles[role].rotation},
        None
        if service is None or service not in config.services
        else {config.services[service].smes},
        None if person is None else rotations_of(routing, person),
    ):
        if needed is not None:
            chosen = frozenset(needed) if chosen is None else chosen & needed
    return chosen


def narrowed(
    duties: tuple[Duty, ...],
    *,
    role: str | None = None,
    service: str | None = None,
    person: str | None = None,
) -> tuple[Duty, ...]:
    """The duties filling ``role``, SMEs of ``service``, and (``person``) only the shifts that
    person holds, dropping rotations left with none."""
    kept = []
    for duty in duties:
        if role is not None and role not in duty.roles:
            continue
        if service is not None and service not in duty.services:
            continue
        if person is not None:
            shifts = tuple(shift for shift in duty.shifts if shift.person == person)
            if not shifts:
                continue
            kept.append(replace(duty, shifts=shifts))
        else:
            kept.append(duty)
    return tuple(kept)


LONGEST = timedelta(days=400)
"""The longest range listed at once: a year of shifts and some, for calendars and payroll (a
bound on what one request can ask of the web)."""


def listing_problem(
    config: RoutingConfig,
    start: datetime,
    end: datetime | None,
    *,
    role: str | None = None,
    service: str | None = None,
    person: str | None = None,
) -> str | None:
    """Why a listing cannot be made as asked (a backwards or too long range, a role, service or
    person the config does not define), in words for the asker; None when it can."""
    if end is not None and end <= start:
        return "the end of the range must be after its start"
    if end is not None and end - start > LONGEST:
        return f"a range of at most {LONGEST.days} days, please"
    for noun, name, known in (
        ("role", role, config.roles),
        ("service", service, config.services),
        ("person", person, config.people),
    ):
        if name is not None and name not in known:
            return f"no {noun} {name!r}: the config defines {', '.join(sorted(known)) or 'none'}"
    return None


def listing(
    routing: Routing,
    start: datetime,
    end: datetime | None = None,
    *,
    role: str | None = None,
    service: str | None = None,
    person: str | None = None,
    handoffs: int = 2,
) -> tuple[Duty, ...]:
    """What ``muster oncall`` and ``GET /v1/oncall`` show: the final shifts of ``[start, end)``,
    or (no ``end``) the holder at ``start`` and the next ``handoffs``, narrowed to ``role``,
    ``service`` and ``person``. A person without ``end`` sees their own current or next
    ``handoffs + 1`` shifts in each rotation they hold, however far ahead (within a year): the
    answer to "when am I next on call"."""
    chosen = wanted_rotations(routing, role=role, service=service, person=person)
    if person is None or end is not None:
        duties = final_shifts(routing, start, end, handoffs=handoffs, rotations=chosen)
        return narrowed(duties, role=role, service=service, person=person)
    year = final_shifts(routing, start, start + LONGEST, rotations=chosen)
    duties = narrowed(year, role=role, service=service, person=person)
    return tuple(replace(duty, shifts=duty.shifts[: handoffs + 1]) for duty in duties)
