"""What a timer remembers between firings, typed, and the decisions made from it.

Timers are rows in the database with a JSON ``data`` column; this module is the only place that
knows what is in it. An escalation timer holds its chain's progress (:class:`ChainState`), a
summary timer when the last summary went out (:class:`SummaryState`); a reminder needs nothing.
The decisions — which chains an acknowledgement stops, which a redefinition no longer needs,
when a summary is due after a pause or a redefinition, when a reminder is put off — are pure
functions here, so the timer adapters only read, call and store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from muster.worker.core.config.model import SME
from muster.worker.core.paging.escalation import ChainProgress
from muster.worker.core.paging.keys import role_label
from muster.worker.core.paging.plan import EscalationChain, PagePlan

ESCALATION, SUMMARY, REMINDER = "escalation", "summary", "reminder"
PENDING, DONE, ACKNOWLEDGED, CANCELLED, EXHAUSTED = (
    "pending",
    "done",
    "acknowledged",
    "cancelled",
    "exhausted",
)
PAUSED = "paused"  # an escalation a maintenance window paused (``existing: pause``): not fired


@dataclass(frozen=True, slots=True)
class ChainState:
    """An escalation chain's timer: where it stands and whom it has paged.

    ``generation`` counts restarts (a role handed over starts its chain again), so the steps of
    each era get keys of their own.
    """

    role: str
    service: str | None
    rotations: tuple[str, ...]
    start_level: int = 0
    steps_taken: int = 0
    paged: tuple[str, ...] = ()
    generation: int = 0

    @classmethod
    def armed(cls, chain: EscalationChain, paged: tuple[str, ...] | list[str]) -> ChainState:
        """A chain's state as first armed, after the initial pages to ``paged``."""
        return cls(chain.role, chain.service, chain.rotations, chain.start_level, 0, tuple(paged))

    @property
    def label(self) -> str:
        """The chain's role label (``sme:payments-api``)."""
        return role_label(self.role, self.service)

    @property
    def progress(self) -> ChainProgress:
        """The escalation core's view of the chain."""
        return ChainProgress(
            self.role, self.service, self.rotations, self.start_level, self.steps_taken
        )

    def stopped_by(self, person: str, role: str | None) -> bool:
        """Whether ``person``'s acknowledgement (for ``role``, or for everything) stops it."""
        return person in self.paged and (role is None or role in {self.label, self.role})

    def restarted(self, chain: EscalationChain, holder: str) -> ChainState:
        """The chain again from the top, after ``holder`` took the role over."""
        return self.rearmed_as(ChainState.armed(chain, [holder]))

    def rearmed_as(self, fresh: ChainState) -> ChainState:
        """``fresh`` in this chain's place, in a new generation: its steps need keys of their
        own, since the earlier era's steps were recorded under theirs."""
        return replace(fresh, generation=self.generation + 1)

    def step_id(self, number: int) -> str:
        """The id of step ``number`` in this generation, for its keys."""
        return str(number) if self.generation == 0 else f"g{self.generation}.{number}"

    def after(self, progress: ChainProgress, paged: list[str]) -> ChainState:
        """The state once the steps up to ``progress`` have paged ``paged`` too."""
        return replace(
            self,
            steps_taken=progress.steps_taken,
            paged=tuple(dict.fromkeys((*self.paged, *paged))),
        )

    def to_data(self) -> dict[str, Any]:
        """The JSON the timer row stores."""
        return {
            "role": self.role,
            "service": self.service,
            "rotations": list(self.rotations),
            "start_level": self.start_level,
            "steps_taken": self.steps_taken,
            "paged": list(self.paged),
            "generation": self.generation,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ChainState:
        """The state a timer row stored (rows written before ``generation`` existed included)."""
        return cls(
            role=str(data["role"]),
            service=data.get("service"),
            rotations=tuple(data["rotations"]),
            start_level=int(data.get("start_level", 0)),
            steps_taken=int(data.get("steps_taken", 0)),
            paged=tuple(data.get("paged", ())),
            generation=int(data.get("generation", 0)),
        )


@dataclass(frozen=True, slots=True)
class SummaryState:
    """A summary timer: when the last summary went out (None: not yet)."""

    last_at: datetime | None = None

    def to_data(self) -> dict[str, Any]:
        """The JSON the timer row stores."""
        return {"last_at": self.last_at.isoformat() if self.last_at else None}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SummaryState:
        """The state a timer row stored."""
        last = data.get("last_at")
        return cls(datetime.fromisoformat(last) if last else None)


def escalated_chains(plan: PagePlan) -> list[ChainState]:
    """The chains a new incident arms: each of the plan's, with the people it first paged.

    SME chains exist per service; a standing role's chain is the role's alone.
    """
    return [
        ChainState.armed(chain, paged_by(plan, chain))
        for chain in plan.escalations
        if chain.role == SME or chain.service is None
    ]


def chains_not_needed(armed: Iterable[ChainState], plan: PagePlan) -> list[ChainState]:
    """Of the ``armed`` chains, those a redefined ``plan`` no longer contains: a role its level
    does not page, the SMEs of a service no longer impacted. Left armed, they would page the
    next levels of people the incident no longer needs."""
    needed = {(chain.role, chain.service) for chain in escalated_chains(plan)}
    return [state for state in armed if (state.role, state.service) not in needed]


def paged_by(plan: PagePlan, chain: EscalationChain) -> list[str]:
    """Who the plan paged for ``chain``'s role (and service)."""
    return [
        page.person
        for page in plan.pages
        for a in page.assignments
        if a.role == chain.role and a.service == chain.service
    ]


def repaced_due(due: datetime, was: timedelta | None, every: timedelta, now: datetime) -> datetime:
    """When a kept chain's next step is due once a redefinition changed its level's
    ``ack_within`` from ``was`` to ``every``: counted from the redefinition (``now``), so a
    downgrade slows it; an upgrade never puts off a step already due sooner. Unchanged, it
    keeps its time."""
    if was == every:
        return due
    if was is not None and every < was:
        return min(due, now + every)
    return now + every


def next_summary_due(slot: datetime, every: timedelta, now: datetime) -> datetime:
    """The slot after ``slot``; a scanner that was away sends one catch-up summary, not a
    burst, so slots already past are skipped."""
    due = slot + every
    while due <= now:
        due += every
    return due


def summary_due_after_change(
    state: SummaryState, declared_at: datetime, every: timedelta, now: datetime
) -> datetime:
    """When the next summary is due once the pace changed (a redefinition): ``every`` after
    the last one (or the declaration), and never in the past."""
    return max((state.last_at or declared_at) + every, now)


def reminder_put_off_until(
    last_update: datetime | None, every: timedelta, now: datetime
) -> datetime | None:
    """A reminder is put off while the support lead updated customers within ``every``:
    until when, or None to remind now."""
    if last_update is not None and now - last_update < every:
        return last_update + every
    return None
