"""What a change to an open incident adds: the facts a join leaves it with, and the pages an
upgrade owes.

An incident is as bad as the worst thing said about it. A declaration that joins an open
incident (an alert group that got worse, a contract declaration with its fingerprint) can only
raise it: the highest impact and urgency seen, every service named. When that changes the
incident, it is redefined exactly as a ``redefinition`` milestone redefines it, and both owe the
same pages: everyone the new plan needs who was never paged, by every kind of the new level, and
— when the severity rose — the people already paged, by the new level's kinds they did not get,
so a SEV3's chat-and-email page becomes a SEV1's SMS too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from muster.worker.core.paging.plan import PagePlan, PlannedPage
from muster.worker.core.paging.routing import Routing, RoutingError


@dataclass(frozen=True, slots=True)
class Facts:
    """What decides an incident's severity and plan: impact, urgency, impacted services."""

    impact: str
    urgency: str
    services: tuple[str, ...]


def _highest(order: Sequence[str], first: str, second: str) -> str:
    """The more severe of two values of a most-first list (one no longer listed loses)."""
    rank = {name: index for index, name in enumerate(order)}
    return min((first, second), key=lambda name: rank.get(name, len(order)))


def joined_facts(routing: Routing, current: Facts, joining: Facts) -> Facts:
    """The incident's facts once ``joining`` joined it: the highest impact, the highest urgency,
    and every service (the incident's first, in its order)."""
    severity = routing.config.severity
    return Facts(
        impact=_highest(severity.impacts, current.impact, joining.impact),
        urgency=_highest(severity.urgencies, current.urgency, joining.urgency),
        services=tuple(dict.fromkeys((*current.services, *joining.services))),
    )


def join_upgrade(routing: Routing, current: Facts, severity: str, joining: Facts) -> Facts | None:
    """The facts a join upgrades the incident (now at ``severity``) to, or None when it adds
    nothing: then it is only a timeline entry.

    Never a lower severity: should an edited matrix rate the joined facts below what the
    incident is, the join leaves it alone rather than slow anyone down (a severity the config
    no longer has ranks below every other).
    """
    merged = joined_facts(routing, current, joining)
    if merged == current:
        return None
    order = routing.config.level_order
    try:
        after = routing.severity(merged.impact, merged.urgency).rank
    except RoutingError:
        return None
    before = order.index(severity) if severity in order else len(order)
    return None if after > before else merged


def pages_needed(
    plan: PagePlan, delivered: Mapping[str, Collection[str]], raised: bool
) -> tuple[PlannedPage, ...]:
    """The pages a redefined ``plan`` owes, given the kinds each person was already paged by
    (``delivered``): everyone never paged, by all their kinds; when the severity ``raised``,
    the people already paged by the kinds they lack. Empty pages are left out."""
    needed: list[PlannedPage] = []
    for page in plan.pages:
        got = delivered.get(page.person)
        if got is None:
            needed.append(page)
        elif raised:
            missing = tuple(contact for contact in page.contacts if contact.kind not in got)
            if missing:
                needed.append(replace(page, contacts=missing))
    return tuple(needed)
