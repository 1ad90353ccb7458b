"""Which severity level × service pairs an edit can reach: those whose level, service entry, the
roles, people, contacts or escalation policy differ, or one of whose chain's rotations was edited.
The others page alike on both sides, and a large organisation's diff skips them.
"""

from __future__ import annotations

from dataclasses import dataclass

from muster.worker.core.checks.lint import UNKNOWN_SERVICE
from muster.worker.core.config.model import SME
from muster.worker.core.paging.routing import Routing


@dataclass(frozen=True, slots=True)
class Pair:
    """A level and a service (or the unknown one), with the rotations its chains reach on
    either side."""

    level: str
    service: str
    rotations: frozenset[str]


def reachable_pairs(old: Routing, new: Routing, edited: frozenset[str] | None) -> list[Pair]:
    """The level × service pairs the edit can change, with their chains' rotations."""
    levels = [name for name in new.config.severity.levels if name in old.config.severity.levels]
    services = [*new.config.services, *_only_old(old, new), UNKNOWN_SERVICE]
    a, b = old.config, new.config
    everywhere = edited is None or a.roles != b.roles or a.people != b.people
    everywhere = everywhere or a.contacts != b.contacts or a.escalation != b.escalation
    pairs = []
    for level in levels:
        for service in services if _pages_smes(old, new, level) else [UNKNOWN_SERVICE]:
            chain = _chain(old, level, service) | _chain(new, level, service)
            touched = everywhere or (edited is not None and bool(chain & edited))
            if touched or _differs(old, new, level, service):
                pairs.append(Pair(level, service, frozenset(chain)))
    return pairs


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
