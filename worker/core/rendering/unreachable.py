"""A page nobody could deliver: who is told, with what words, and how summaries list it.

When every contact kind of a page failed (retries and fallbacks spent), a timeline row alone
would leave the person unpaged with nobody the wiser. A human must hear it: the incident room
and the incident commander, or, when the unreachable person *is* the incident commander, the
commander role's next staffed escalation level. This module decides that from the config, the
incident's plan and an instant; the delivery adapter writes the notice as ordinary deliveries
(leased, retried, recorded, with fallback) and never notices a failed notice, so a notice
cannot loop. People are named by their config name and key, kinds by kind: never an address.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from muster.worker.core.paging.deliveries import DeliveryStatus
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import Assignment, PagePlan, PlannedPage, plan_pages
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering import escaping
from muster.worker.core.rendering.escaping import one_line, text
from muster.worker.core.rendering.listing import role_title
from muster.worker.core.rendering.render import RenderedMessage

INCIDENT_COMMANDER = "incident_commander"
"""The role told about unreachable people (else the first role the config lists)."""

NOTICE = "notice"
"""The delivery purpose of a notice to a person: a failed notice is never itself noticed."""

INCIDENT_ROOM = "incident_room"


@dataclass(frozen=True, slots=True)
class FailedPage:
    """A page no contact kind delivered: who, for which roles, by which kinds it was tried."""

    person: str
    name: str
    roles: tuple[str, ...]  # role labels: ``incident_commander``, ``sme:payments-api``
    kinds: tuple[str, ...]  # every kind tried, in the order they were tried
    pages: int = 1  # how many of this person's pages failed so (a summary folds them)


@dataclass(frozen=True, slots=True)
class DeliveryFacts:
    """One page delivery as :func:`failed_pages` reads it."""

    person: str
    reason: str
    kind: str
    status: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnreachableNotice:
    """Who hears that a person could not be reached, and what everyone reads."""

    message: RenderedMessage
    people: tuple[PlannedPage, ...]  # each told by the incident's contact kinds
    rooms: tuple[str, ...]  # broadcast destinations (``incident_room``)
    timeline: str  # the timeline's words, naming who is told (or that nobody can be)

    @property
    def nobody(self) -> bool:
        """Whether there is no one at all to tell."""
        return not self.people and not self.rooms


def still_reaching(statuses: Iterable[str]) -> bool:
    """Whether any delivery of a page (by any kind) may still reach its person: only when all
    have failed for good is the person unreachable."""
    return any(status != DeliveryStatus.FAILED for status in statuses)


def commander_role(routing: Routing) -> str | None:
    """The role told about unreachable people: ``incident_commander``, else the first role."""
    roles = routing.config.roles
    if INCIDENT_COMMANDER in roles:
        return INCIDENT_COMMANDER
    return next(iter(roles), None)


def commanders(
    routing: Routing, plan: PagePlan, person: str, held: Sequence[Assignment], at: datetime
) -> list[tuple[str, Assignment]]:
    """Who to tell that ``person`` (paged for ``held``) could not be reached.

    The plan's holders of the commander role other than ``person``. When ``person`` is the
    commander (or the severity pages none), the role's chain is climbed as escalation would:
    from the level after the one ``person`` holds it at (from its own rotation otherwise), the
    first level with someone else on call at ``at``. Each person at most once.
    """
    role = commander_role(routing)
    if role is None:
        return []
    people = routing.config.people
    holders = [
        p for p in dict.fromkeys(plan.holders().get(role, [])) if p != person and p in people
    ]
    if holders:
        return [(p, Assignment(role=role, service=None, rotation="")) for p in holders]
    chain = (routing.config.roles[role].rotation, *routing.config.roles[role].escalate_to)
    own = [a.escalation_level for a in held if a.role == role and a.service is None]
    for level in range(own[0] + 1 if own else 0, len(chain)):
        on_call = routing.on_call(chain[level], at)
        if on_call is not None and on_call != person and on_call in people:
            return [(on_call, Assignment(role, None, chain[level], escalation_level=level))]
    return []


def notice_unreachable(
    routing: Routing,
    plan: PagePlan,
    incident: Incident,
    severity: str,
    failed: FailedPage,
    held: Sequence[Assignment],
    at: datetime,
) -> UnreachableNotice:
    """The notice that ``failed.person`` could not be reached: the incident room (if the config
    has one) and the commander (see :func:`commanders`), by the incident's contact kinds."""
    told = commanders(routing, plan, failed.person, held, at)
    people = tuple(page for page in plan_pages(routing, told, plan.via) if page.contacts)
    rooms = (INCIDENT_ROOM,) if routing.config.broadcasts.incident_room else ()
    names = [f"{page.person} ({role_title(page.assignments[0].label)})" for page in people]
    names += list(rooms)
    what = f"{failed.person} could not be reached by {', '.join(failed.kinds)}"
    timeline = (
        f"{what}: telling {', '.join(names)}"
        if names
        else f"{what}: nobody to tell (no incident room, no {commander_role(routing) or 'role'}"
        " on call)"
    )
    return UnreachableNotice(
        message=unreachable_message(incident, severity, failed),
        people=people,
        rooms=rooms,
        timeline=timeline,
    )


def unreachable_message(incident: Incident, severity: str, failed: FailedPage) -> RenderedMessage:
    """One plain message for every kind: short enough for an SMS, saying what to do."""
    who = f"{one_line(failed.name, 100)} ({failed.person})"
    roles = ", ".join(role_title(role) for role in failed.roles) or "paged"
    incident_id = one_line(incident.id, 100)
    title = escaping.title(f"Could not reach {who} ({incident_id})", 240)
    body = (
        f"{severity} {text(incident_id)}: {text(who)} could not be reached by"
        f" {', '.join(failed.kinds)} (paged as {roles}) for {text(one_line(incident.title, 80))}."
        " Reach them another way, or hand their role on."
    )
    return RenderedMessage(title=f"[{severity}] {title}", body=body, body_format="text")


def untold_text(person: str, recipients: Sequence[str]) -> str:
    """The timeline's words when every notice about ``person`` failed too: the end of it."""
    return (
        f"nobody could be told that {person} could not be reached:"
        f" the notices to {', '.join(recipients)} failed too"
    )


def failed_pages(
    deliveries: Iterable[DeliveryFacts], names: Mapping[str, str]
) -> tuple[FailedPage, ...]:
    """The incident's pages that no kind delivered, folded per person (first failed first).

    A page is its deliveries of one person and reason; it failed when every one of them
    failed. ``names`` gives config names (a person the config lost is named by key).
    """
    groups: dict[tuple[str, str], list[DeliveryFacts]] = {}
    for delivery in deliveries:
        groups.setdefault((delivery.person, delivery.reason), []).append(delivery)
    folded: dict[str, FailedPage] = {}
    for (person, _reason), rows in groups.items():
        if still_reaching(row.status for row in rows):
            continue
        kinds = tuple(row.kind for row in rows)
        roles = tuple(role for row in rows for role in row.roles)
        seen = folded.get(person)
        if seen is not None:
            kinds, roles = seen.kinds + kinds, seen.roles + roles
        folded[person] = FailedPage(
            person=person,
            name=names.get(person, person),
            roles=tuple(dict.fromkeys(roles)),
            kinds=tuple(dict.fromkeys(kinds)),
            pages=1 if seen is None else seen.pages + 1,
        )
    return tuple(folded.values())
