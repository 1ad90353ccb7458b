"""How a milestone changes an open incident's pages: people engaged by name, a role handed on.

Both start from the incident's stored plan rather than routing anew, so the pages the incident
already sent stay what they were; only the people the milestone names are added or moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from muster.worker.core.config.model import SME
from muster.worker.core.paging.plan import (
    Assignment,
    EscalationChain,
    PagePlan,
    PlannedPage,
    plan_pages,
    route_services,
    staff,
)
from muster.worker.core.paging.routing import Routing

ENGAGED = "engaged"
"""The role label of someone the incident commander pulled in by name."""


def plan_engagement(
    routing: Routing,
    plan: PagePlan,
    people: Sequence[str],
    services: Sequence[str],
    at: datetime,
) -> tuple[PlannedPage, ...]:
    """Pages for an ``engage``: the named people, and the on-call SMEs of the named services.

    Contact kinds are the incident's current severity's; services are not added to the impact.
    """
    assignments: list[tuple[str, Assignment]] = [
        (person, Assignment(role=ENGAGED, service=None, rotation="")) for person in people
    ]
    for route in route_services(routing, services):
        if route.handled_by is None:
            continue
        service = routing.config.services[route.handled_by]
        chain = EscalationChain(SME, route.handled_by, (service.smes, *service.escalate_to))
        assignments += staff(routing, [chain], at)[1]
    return plan_pages(routing, assignments, plan.via)


def reassign_role(routing: Routing, plan: PagePlan, role: str, person: str) -> PagePlan:
    """The plan with ``role`` handed to ``person``: the old holder keeps only their other roles."""
    pages: list[PlannedPage] = []
    handed = Assignment(role=role, service=None, rotation="")
    for page in plan.pages:
        kept = tuple(a for a in page.assignments if a.label != role)
        if page.person == person:
            kept = (*kept, handed)
        if kept:
            pages.append(PlannedPage(page.person, page.name, kept, page.contacts, page.unreachable))
    if all(page.person != person for page in pages):
        pages += plan_pages(routing, [(person, handed)], plan.via)
    return replace(plan, pages=tuple(pages))
