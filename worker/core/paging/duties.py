"""Rotations as people ask about them: each with the roles and services it is held for, and its
final shifts (:mod:`muster.worker.core.paging.shifts`) over a range or from an instant, narrowed
to a role, a service or a person. ``muster oncall``, ``GET /v1/oncall``, calendars and payroll
all list through here, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.shifts import Shift, rotation_shifts, upcoming


@dataclass(frozen=True, slots=True)
class Duty:
    """A rotation with what it is held for: the roles it fills and the services whose subject
    matter experts it is."""

    rotation: str
    roles: tuple[str, ...]
    services: tuple[str, ...]
    shifts: tuple[Shift, ...]


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
