"""What one side of a diff pages for a severity level × service declared at an instant: the first
page, and, chain by chain, every page with its delay.

This is the routing engine's own answer, not a second model: each chain as
:func:`~muster.worker.core.paging.plan.escalation_chains` builds it, staffed by
:func:`~muster.worker.core.paging.plan.staff`, its people's kinds chosen by
:func:`~muster.worker.core.paging.plan.plan_pages`, and its steps those of
:func:`~muster.worker.core.paging.escalation.escalation_timeline` (each level resolved at its own
instant, as ``muster route`` shows it). A chain's pages depend on that chain alone, so a diff
works chain by chain: a standing role's chain is the same for every service, and is compared once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from muster.worker.core.checks.diff.shifts import Holders
from muster.worker.core.paging.escalation import escalation_timeline
from muster.worker.core.paging.keys import role_label
from muster.worker.core.paging.plan import (
    Assignment,
    EscalationChain,
    PagePlan,
    escalation_chains,
    plan_pages,
    route_services,
    staff,
)
from muster.worker.core.paging.routing import Routing

FirstPage = tuple[str, str] | None
"""Who is paged first and by which contact kind; None: nobody is paged."""

AT_ONCE = timedelta(0)


@dataclass(frozen=True, slots=True, order=True)
class Page:
    """One page: ``after`` the declaration (0: at once, else an escalation step should nobody
    acknowledge), to ``person`` by ``kind``, for ``role`` (``commander``, ``sme:api``)."""

    after: timedelta
    person: str
    kind: str
    role: str


class Remembering(Routing):
    """A side's routing that answers who is on call from the final shifts already listed for
    the diff's range (a bisection), and remembers each answer: a diff asks the same instants many
    times (every cut less every delay, plus every step's delay, lands on the same few instants
    around each edge). Outside that range, or for a rotation not listed, it asks the rotation."""

    _held: dict[tuple[str, datetime], str | None]
    _listed: dict[str, Holders]
    _range: tuple[datetime, datetime]

    @classmethod
    def of(
        cls, routing: Routing, listed: dict[str, Holders], start: datetime, end: datetime
    ) -> Remembering:
        """``routing``, answering from ``listed`` (rotation → holders) within ``[start, end)``."""
        remembering = cls(routing.config, routing.rotations, routing.secrets, routing.serving_note)
        remembering.__dict__.update(_listed=listed, _range=(start, end), _held={})
        return remembering

    def on_call(self, rotation: str, at: datetime) -> str | None:
        """Who is on call for ``rotation`` at ``at``, worked out once."""
        key = (rotation, at)
        try:
            return self._held[key]
        except KeyError:
            pass
        listed = self._listed.get(rotation)
        start, end = self._range
        if listed is not None and start <= at < end:
            found = listed.at(at)
        else:
            found = super().on_call(rotation, at)
        self._held[key] = found
        return found


class Kinds:
    """The contact kinds each person is paged by for a level's ``via`` on one side, as
    :func:`~muster.worker.core.paging.plan.plan_pages` chooses them, worked out once per person
    and ``via``: a diff asks again at every cut."""

    def __init__(self, routing: Routing) -> None:
        self.routing = routing
        self._known: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}

    def of(self, person: str, via: tuple[str, ...]) -> tuple[str, ...]:
        """``person``'s kinds for ``via``."""
        found = self._known.get((person, via))
        if found is None:
            anyone = Assignment("diff", None, "diff")
            found = plan_pages(self.routing, [(person, anyone)], via)[0].kinds
            self._known[(person, via)] = found
        return found


def first_paged(
    kinds: Kinds, level: str, chains: Iterable[EscalationChain], at: datetime
) -> FirstPage:
    """Who a ``level`` incident paging ``chains`` (:func:`chains_of`) declared at ``at`` pages
    first, and by which kind, on ``kinds``'s side: the first staffed chain's person by their first
    kind, as :func:`~muster.worker.core.paging.first_page.first_page` picks the head of the plan
    (nobody when that person has no kind the level reaches)."""
    _, assignments, _ = staff(kinds.routing, chains, at)
    if not assignments:
        return None
    person = assignments[0][0]
    found = kinds.of(person, tuple(kinds.routing.config.severity.levels[level].via))
    return (person, found[0]) if found else None


def chains_of(routing: Routing, level: str, service: str) -> dict[str, EscalationChain]:
    """The chains a ``level`` incident of ``service`` pages, by role label."""
    services = route_services(routing, [service])
    chains = escalation_chains(routing, routing.level(level), services)
    return {role_label(chain.role, chain.service): chain for chain in chains}


def chain_pages(
    kinds: Kinds, level: str, chain: EscalationChain | None, at: datetime
) -> frozenset[Page]:
    """Every page ``chain`` sends for a ``level`` incident declared at ``at`` on ``kinds``'s
    side: its first staffed level at once, then each escalation step (None: a chain this side
    does not page)."""
    if chain is None:
        return frozenset()
    routing = kinds.routing
    severity = routing.level(level)
    via = tuple(severity.level.via)
    staffed, assignments, _ = staff(routing, [chain], at)
    label = role_label(chain.role, chain.service)
    pages = {
        Page(AT_ONCE, person, kind, label)
        for person, _ in assignments
        for kind in kinds.of(person, via)
    }
    ack_within = severity.level.ack_within
    plan = PagePlan("diff", at, level, severity.rank, "", "", via, ack_within, (), (), (), staffed)
    for step in escalation_timeline(routing, plan):
        if step.person is not None:  # a level with nobody on call is passed at once: no page
            pages |= {
                Page(step.after, step.person, kind, label) for kind in kinds.of(step.person, via)
            }
    return frozenset(pages)


def chain_delays(routing: Routing, level: str, chain: EscalationChain | None) -> set[timedelta]:
    """Every delay after a declaration at which ``routing`` resolves who ``chain`` pages for
    ``level``: at once, then each escalation step (the whole chain, its repeats)."""
    ack_within = routing.config.severity.levels[level].ack_within
    if chain is None or ack_within is None:
        return {AT_ONCE}
    steps = len(chain.rotations) * (1 + routing.config.escalation.repeat) - 1
    return {number * ack_within for number in range(steps + 1)}
