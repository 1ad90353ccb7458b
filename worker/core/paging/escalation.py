"""Escalation decisions: what an unacknowledged chain does when its timer fires.

A chain (a standing role's, or a service's SMEs') climbs its rotations one level per
``ack_within``; when the last level has been paged, the whole chain is paged again from its own
rotation, ``escalation.repeat`` more times, then it stops. A level with nobody on call at that
instant is skipped at once: waiting ``ack_within`` for a page nobody received helps no one.
Everything is decided here from the chain's progress and the instant; the scanner only stores
the result and pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from muster.worker.core.paging.keys import role_label
from muster.worker.core.paging.plan import EscalationStep, PagePlan
from muster.worker.core.paging.routing import Routing


@dataclass(frozen=True, slots=True)
class ChainProgress:
    """Where an escalation chain stands: its rotations, the level first paged, steps since."""

    role: str
    service: str | None
    rotations: tuple[str, ...]
    start_level: int = 0
    steps_taken: int = 0

    @property
    def label(self) -> str:
        """``incident_commander`` or ``sme:payments-api``."""
        return role_label(self.role, self.service)


@dataclass(frozen=True, slots=True)
class EscalationDecision:
    """What to do now: the steps to page (gaps included, unpaged), and the chain's new state."""

    steps: tuple[EscalationStep, ...]
    progress: ChainProgress
    next_due: datetime | None  # None: the chain is exhausted


def total_steps(progress: ChainProgress, repeat: int) -> int:
    """How many escalation steps the chain can take in all, its repeats included."""
    return len(progress.rotations) * (1 + repeat) - progress.start_level - 1


def step_at(
    routing: Routing, progress: ChainProgress, number: int, after: timedelta, at: datetime
) -> EscalationStep:
    """Escalation step ``number`` (1 is the first after the initial page), resolved at ``at``,
    ``after`` the first page."""
    depth = len(progress.rotations)
    index = progress.start_level + number
    rotation = progress.rotations[index % depth]
    return EscalationStep(
        after=after,
        at=at,
        role=progress.role,
        service=progress.service,
        level=index % depth,
        rotation=rotation,
        person=routing.on_call(rotation, at),
        round=index // depth,
    )


def escalate(
    routing: Routing,
    progress: ChainProgress,
    ack_within: timedelta,
    repeat: int,
    now: datetime,
    since: datetime | None = None,
) -> EscalationDecision:
    """The timer of an unacknowledged chain fired at ``now``: page the next staffed level.

    Every empty level before it is passed in the same decision, at ``now``: a gap adds no
    delay. ``since``: when the chain was first paged, for the steps' ``after`` (the dry run's);
    without it, each step's number × ``ack_within``.
    """
    limit = total_steps(progress, repeat)
    steps: list[EscalationStep] = []
    taken = progress.steps_taken
    while taken < limit:
        taken += 1
        after = taken * ack_within if since is None else now - since
        step = step_at(routing, progress, taken, after, now)
        steps.append(step)
        if step.person is not None:
            break
    climbed = ChainProgress(
        progress.role, progress.service, progress.rotations, progress.start_level, taken
    )
    next_due = now + ack_within if taken < limit else None
    return EscalationDecision(steps=tuple(steps), progress=climbed, next_due=next_due)


def escalation_timeline(routing: Routing, plan: PagePlan) -> tuple[EscalationStep, ...]:
    """The pages that would follow if nobody acknowledged, in order of delay.

    The dry run's view (``muster route``, ``muster config diff``) of what the worker does: each
    chain's timer fired again and again by :func:`unacknowledged`, through :func:`escalate`
    itself, so the prediction cannot drift from the live escalation. Levels without
    ``ack_within`` never escalate.
    """
    if plan.ack_within is None:
        return ()
    repeat = routing.config.escalation.repeat
    steps = [
        step
        for chain in plan.escalations
        for step in unacknowledged(
            routing,
            ChainProgress(chain.role, chain.service, chain.rotations, chain.start_level),
            plan.ack_within,
            repeat,
            plan.at,
        )
    ]
    steps.sort(key=lambda step: step.after)
    return tuple(steps)


def unacknowledged(
    routing: Routing, progress: ChainProgress, ack_within: timedelta, repeat: int, since: datetime
) -> Iterator[EscalationStep]:
    """Every step a chain first paged at ``since`` takes while nobody acknowledges: its timer
    firing every ``ack_within`` until :func:`escalate` says it is exhausted. Each step is
    resolved at the instant its timer fires, and its ``after`` is counted from ``since``: a gap
    and the staffed level paged in its place share an instant."""
    due = since + ack_within
    while True:
        decision = escalate(routing, progress, ack_within, repeat, due, since)
        yield from decision.steps
        if decision.next_due is None:
            return
        progress, due = decision.progress, decision.next_due
