"""Whose phone rings first when an edit ships: for each severity level × service (and a service
no config names, routed to the fallback), the first page of each side at every instant the answer
can change within the range — every shift edge of either side's rotations in that chain, not a
sampled grid.

A pair is evaluated only when the edit can reach it: its level, the roles, people, contacts or
the service's entry differ, or one of its chain's rotations was edited. The rest cannot differ,
and skipping them keeps a large organisation's diff quick.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from muster.worker.core.checks.lint import UNKNOWN_SERVICE
from muster.worker.core.config.model import SME
from muster.worker.core.paging.duties import final_shifts
from muster.worker.core.paging.first_page import first_page
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.core.paging.routing import Routing

FirstPage = tuple[str, str] | None
"""Who is paged first and by which contact kind; None: nobody is paged."""


@dataclass(frozen=True, slots=True)
class PageChange:
    """From ``starts`` until ``until``, ``severity`` for ``service`` pages ``new`` first where
    it paged ``old``."""

    severity: str
    service: str
    starts: datetime
    until: datetime
    old: FirstPage
    new: FirstPage


def page_changes(
    old: Routing, new: Routing, start: datetime, end: datetime, edited: frozenset[str] | None
) -> tuple[PageChange, ...]:
    """Every stretch of ``[start, end)`` in which a level × service's first page differs;
    ``edited``: the rotations the edit touched (None: all)."""
    levels = [name for name in new.config.severity.levels if name in old.config.severity.levels]
    services = [*new.config.services, *_only_old(old, new), UNKNOWN_SERVICE]
    a, b = old.config, new.config
    everywhere = edited is None or a.roles != b.roles or a.people != b.people
    everywhere = everywhere or a.contacts != b.contacts
    pairs: list[tuple[str, str, set[str]]] = []
    for level in levels:
        for service in services if _pages_smes(old, new, level) else [UNKNOWN_SERVICE]:
            chain = _chain(old, level, service) | _chain(new, level, service)
            touched = everywhere or (edited is not None and bool(chain & edited))
            if touched or _differs(old, new, level, service):
                pairs.append((level, service, chain))
    involved = frozenset(rotation for _, _, chain in pairs for rotation in chain)
    edges = _edges(old, start, end, involved), _edges(new, start, end, involved)
    changes: list[PageChange] = []
    for level, service, chain in pairs:
        cuts = {start} | {e for side in edges for r in chain for e in side.get(r, ())}
        instants = sorted(cuts)
        for at, until in zip(instants, [*instants[1:], end], strict=True):
            was, now = _first(old, level, service, at), _first(new, level, service, at)
            if was == now:
                continue
            last = changes[-1] if changes else None
            if last and (last.severity, last.service, last.until, last.old, last.new) == (
                level,
                service,
                at,
                was,
                now,
            ):
                changes[-1] = replace(last, until=until)
            else:
                changes.append(PageChange(level, service, at, until, was, now))
    return tuple(changes)


def _only_old(old: Routing, new: Routing) -> list[str]:
    return [name for name in old.config.services if name not in new.config.services]


def _pages_smes(old: Routing, new: Routing, level: str) -> bool:
    """Whether either side's ``level`` pages SMEs (otherwise every service pages alike)."""
    return any(SME in side.config.severity.levels[level].page for side in (old, new))


def _chain(routing: Routing, level: str, service: str) -> set[str]:
    """The rotations ``level`` pages or escalates to for ``service``, as ``routing`` says."""
    config = routing.config
    chain: set[str] = set()
    for role in config.severity.levels[level].page:
        if role == SME:
            handled = routing.route_service(service)
            if handled is not None and handled in config.services:
                held = config.services[handled]
                chain |= {held.smes, *held.escalate_to}
        elif role in config.roles:
            chain |= {config.roles[role].rotation, *config.roles[role].escalate_to}
    return chain & set(routing.rotations)


def _differs(old: Routing, new: Routing, level: str, service: str) -> bool:
    """Whether the pair's own part of the config (its level, its service's entry) differs."""
    a, b = old.config, new.config
    return (
        a.severity.levels[level] != b.severity.levels[level]
        or old.route_service(service) != new.route_service(service)
        or a.services.get(old.route_service(service) or "")
        != b.services.get(new.route_service(service) or "")
    )


def _edges(
    routing: Routing, start: datetime, end: datetime, involved: frozenset[str]
) -> dict[str, set[datetime]]:
    """Each involved rotation's shift edges inside ``(start, end)``."""
    found: dict[str, set[datetime]] = {}
    for duty in final_shifts(routing, start, end, rotations=involved):
        found[duty.rotation] = {
            edge
            for shift in duty.shifts
            for edge in (shift.starts, shift.until)
            if edge is not None and start < edge < end
        }
    return found


def _first(routing: Routing, level: str, service: str, at: datetime) -> FirstPage:
    incident = Incident(id="diff", title="diff", impact="", urgency="", services=(service,))
    plan = build_page_plan(routing, incident, at, severity=routing.level(level))
    head = first_page(plan)
    if not head:
        return None
    return head[0].person, head[0].contacts[0].kind
