"""The page plan: for an incident at an instant, who is paged, for which roles, by which kinds.

This is the answer ops check with ``muster route`` and the worker acts on, so it is plain, ordered
data: the standing roles in the order the severity level lists them, then the SMEs of each
impacted service in the order the incident names them. Each person appears once, with every role
they hold in this incident, and each contact kind once. A role whose rotation has nobody on call is
covered at once by the first level of its escalation chain that has someone, and reported as a gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from muster.worker.core.config.model import SME
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.keys import role_label
from muster.worker.core.paging.routing import Routing, Severity


@dataclass(frozen=True, slots=True)
class Assignment:
    """Why someone is paged: a role (or ``sme`` of a service), through which rotation."""

    role: str
    service: str | None
    rotation: str
    escalation_level: int = 0  # above 0 when covering a gap in the role's own rotation

    @property
    def label(self) -> str:
        """``incident_commander``, or ``sme:payments-api`` for a service's expert."""
        return role_label(self.role, self.service)


@dataclass(frozen=True, slots=True)
class ContactRoute:
    """One way a person is paged: the kind used, and the kind the severity asked for."""

    kind: str
    requested: str

    @property
    def is_fallback(self) -> bool:
        """True when the person lacks the requested kind and another one stands in."""
        return self.kind != self.requested


@dataclass(frozen=True, slots=True)
class PlannedPage:
    """One person to page, every role they hold here, and every contact kind to use."""

    person: str
    name: str
    assignments: tuple[Assignment, ...]
    contacts: tuple[ContactRoute, ...]
    unreachable: tuple[str, ...] = ()  # requested kinds with no route to this person at all

    @property
    def kinds(self) -> tuple[str, ...]:
        """The contact kinds this person is paged by, in the level's order."""
        return tuple(contact.kind for contact in self.contacts)


@dataclass(frozen=True, slots=True)
class ServiceRoute:
    """An impacted service and the configured service whose SMEs handle it."""

    service: str
    handled_by: str | None
    known: bool


@dataclass(frozen=True, slots=True)
class Gap:
    """A role or service with nobody on call in its own rotation at the planned instant."""

    role: str
    service: str | None
    rotation: str
    covered_by: str | None  # the escalation rotation paged instead, None if nobody at all


@dataclass(frozen=True, slots=True)
class EscalationChain:
    """The rotations a role's page climbs through when nobody acknowledges: its own first."""

    role: str
    service: str | None
    rotations: tuple[str, ...]
    start_level: int = 0  # the level paged first (above 0 when a gap was covered)


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """One future page of an escalation, should nobody acknowledge before it."""

    after: timedelta  # since the first page (a live step: its number × ack_within)
    at: datetime
    role: str
    service: str | None
    level: int
    rotation: str
    person: str | None
    round: int  # 0 on the first climb, then 1, 2… as an exhausted chain is paged again


@dataclass(frozen=True)
class PagePlan:
    """Everything decided for one incident at one instant."""

    incident_id: str
    at: datetime
    severity: str
    rank: int
    impact: str
    urgency: str
    via: tuple[str, ...]
    ack_within: timedelta | None
    services: tuple[ServiceRoute, ...]
    pages: tuple[PlannedPage, ...]
    gaps: tuple[Gap, ...]
    escalations: tuple[EscalationChain, ...]

    @property
    def unknown_services(self) -> tuple[str, ...]:
        """Impacted services the config does not know (routed to the fallback service)."""
        return tuple(route.service for route in self.services if not route.known)

    def holders(self) -> dict[str, list[str]]:
        """Role label → the people paged for it, for 'who holds what' in messages."""
        holders: dict[str, list[str]] = {}
        for page in self.pages:
            for assignment in page.assignments:
                holders.setdefault(assignment.label, []).append(page.person)
        return holders

    def page_for(self, person: str) -> PlannedPage | None:
        """This plan's page for ``person``, if they are paged."""
        return next((page for page in self.pages if page.person == person), None)


def route_services(routing: Routing, services: Iterable[str]) -> tuple[ServiceRoute, ...]:
    """Each named service with the configured service that handles it, names kept as given."""
    seen: set[str] = set()
    routes = []
    for service in services:
        if service in seen:
            continue
        seen.add(service)
        routes.append(
            ServiceRoute(
                service=service,
                handled_by=routing.route_service(service),
                known=service in routing.config.services,
            )
        )
    return tuple(routes)


def escalation_chains(
    routing: Routing, severity: Severity, services: Sequence[ServiceRoute]
) -> tuple[EscalationChain, ...]:
    """The chain of each standing role the level pages, then of each impacted service's SMEs."""
    config = routing.config
    chains = [
        EscalationChain(
            role=role,
            service=None,
            rotations=(config.roles[role].rotation, *config.roles[role].escalate_to),
        )
        for role in routing.standing_roles(severity)
    ]
    if routing.pages_smes(severity):
        handled: set[str] = set()
        for route in services:
            if route.handled_by is None or route.handled_by in handled:
                continue
            handled.add(route.handled_by)
            service = config.services[route.handled_by]
            chains.append(
                EscalationChain(
                    role=SME,
                    service=route.handled_by,
                    rotations=(service.smes, *service.escalate_to),
                )
            )
    return tuple(chains)


def build_page_plan(
    routing: Routing, incident: Incident, at: datetime, severity: Severity | None = None
) -> PagePlan:
    """Who to page for ``incident`` at ``at`` (aware), by which kinds, and how it would escalate.

    ``severity`` overrides the matrix, for incidents whose severity was set by a redefinition.
    """
    severity = severity or routing.severity(incident.impact, incident.urgency)
    services = route_services(routing, incident.services)
    chains, assignments, gaps = staff(routing, escalation_chains(routing, severity, services), at)
    return PagePlan(
        incident_id=incident.id,
        at=at,
        severity=severity.name,
        rank=severity.rank,
        impact=incident.impact,
        urgency=incident.urgency,
        via=tuple(severity.level.via),
        ack_within=severity.level.ack_within,
        services=services,
        pages=plan_pages(routing, assignments, severity.level.via),
        gaps=gaps,
        escalations=chains,
    )


def staff(
    routing: Routing, chains: Iterable[EscalationChain], at: datetime
) -> tuple[tuple[EscalationChain, ...], list[tuple[str, Assignment]], tuple[Gap, ...]]:
    """Resolve each chain's first staffed level at ``at``, noting the chains that had a gap."""
    staffed: list[EscalationChain] = []
    assignments: list[tuple[str, Assignment]] = []
    gaps: list[Gap] = []
    for chain in chains:
        level, person = next(
            (
                (level, person)
                for level, rotation in enumerate(chain.rotations)
                if (person := routing.on_call(rotation, at)) is not None
            ),
            (None, None),
        )
        if level != 0:
            gaps.append(
                Gap(
                    role=chain.role,
                    service=chain.service,
                    rotation=chain.rotations[0],
                    covered_by=None if level is None else chain.rotations[level],
                )
            )
        if level is None or person is None:
            staffed.append(chain)
            continue
        staffed.append(EscalationChain(chain.role, chain.service, chain.rotations, level))
        assignments.append(
            (
                person,
                Assignment(
                    role=chain.role,
                    service=chain.service,
                    rotation=chain.rotations[level],
                    escalation_level=level,
                ),
            )
        )
    return tuple(staffed), assignments, tuple(gaps)


def plan_pages(
    routing: Routing, assignments: Iterable[tuple[str, Assignment]], via: Sequence[str]
) -> tuple[PlannedPage, ...]:
    """Group assignments by person (first appearance first) and choose each person's kinds."""
    by_person: dict[str, list[Assignment]] = {}
    for person, assignment in assignments:
        held = by_person.setdefault(person, [])
        if assignment not in held:
            held.append(assignment)
    pages = []
    for person, held in by_person.items():
        contacts: list[ContactRoute] = []
        unreachable: list[str] = []
        for requested in via:
            kind = routing.reachable_kind(person, requested)
            if kind is None:
                unreachable.append(requested)
            elif all(contact.kind != kind for contact in contacts):
                contacts.append(ContactRoute(kind=kind, requested=requested))
        pages.append(
            PlannedPage(
                person=person,
                name=routing.config.people[person].name,
                assignments=tuple(held),
                contacts=tuple(contacts),
                unreachable=tuple(unreachable),
            )
        )
    return tuple(pages)
