"""Escalation chains with empty levels (gaps), on ``rt`` and in the core: the demo with the
incident commander's chain replaced, and both sides' answer to "who is paged, when, for
which role" — what :func:`~muster.worker.core.paging.escalation.escalation_timeline` predicts
(``muster route``, ``muster config diff``) and what the worker's escalation scan wrote.

:func:`gapped_chains` draws such chains: levels from staffed rotations, an empty one
(``nobody``) and one empty but for an override over a stretch of the escalation (``covered``),
so a gap can open or close between two steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import yaml
from hypothesis import strategies as st
from sqlalchemy import select

from muster.worker.core.paging.escalation import escalation_timeline
from muster.worker.core.paging.keys import role_label
from muster.worker.core.paging.plan import PagePlan
from muster.worker.core.paging.routing import Routing
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery, TimelineEntry
from tests.harness.configs import DEMO, WEDNESDAY_NOON

STAFFED = ("incident-commanders", "eng-managers", "payments-secondary", "support-managers")
EMPTY = "nobody"
COVERED = "covered"  # empty but for the chain's override

Step = tuple[timedelta, str, str | None]
"""(delay after the declaration, role label, person); person None: a gap, skipped at once."""


@dataclass(frozen=True)
class Chain:
    """The incident commander's chain (its rotation first), the escalation ``repeat``, and who
    covers the ``covered`` rotation over which minutes after WEDNESDAY_NOON."""

    rotations: tuple[str, ...]
    repeat: int = 1
    cover: tuple[int, int] = (0, 0)

    @property
    def minutes(self) -> int:
        """Scanning this long exhausts every chain of a SEV1 on payments-api: 5 minutes a step,
        every level of the longest chain (this one, or the payments SMEs' three) each round."""
        return 5 * max(len(self.rotations), 3) * (1 + self.repeat) + 1


EMPTY_MIDDLE = Chain(("incident-commanders", EMPTY, "eng-managers"), repeat=0)
"""The commanders, an empty rotation, then eng managers (Laura), climbed once."""


def gapped_demo(chain: Chain) -> dict[str, Any]:
    """The demo document with ``chain`` as the incident commander's."""
    document: dict[str, Any] = yaml.safe_load(DEMO.read_text())
    document["rotations"][EMPTY] = {"members": []}
    document["rotations"][COVERED] = {"members": []}
    start, end = (WEDNESDAY_NOON + timedelta(minutes=m) for m in chain.cover)
    if end > start:
        document["overrides"] = [
            {
                "rotation": COVERED,
                "person": "mallory",
                "from": f"{start:%Y-%m-%dT%H:%M}",
                "until": f"{end:%Y-%m-%dT%H:%M}",
            }
        ]
    first, *rest = chain.rotations
    document["roles"]["incident_commander"] = {"rotation": first, "escalate_to": rest}
    document["escalation"] = {"repeat": chain.repeat}
    return document


@st.composite
def gapped_chains(draw: st.DrawFn) -> Chain:
    """A chain of two to five levels with at least one empty (or partly covered) level."""
    pool = (*STAFFED, EMPTY, COVERED)
    rotations = draw(st.lists(st.sampled_from(pool), min_size=2, max_size=5, unique=True))
    if EMPTY not in rotations and COVERED not in rotations:
        rotations[draw(st.integers(0, len(rotations) - 1))] = EMPTY
    start = draw(st.integers(0, 60))
    return Chain(
        tuple(rotations), draw(st.integers(0, 2)), (start, start + draw(st.integers(0, 30)))
    )


def predicted(routing: Routing, plan: PagePlan) -> list[Step]:
    """The escalation steps the core predicts for ``plan``, in order."""
    return in_order(
        (step.after, role_label(step.role, step.service), step.person)
        for step in escalation_timeline(routing, plan)
    )


def in_order(steps: Iterable[Step]) -> list[Step]:
    """Steps by delay, then role, then person (gaps first)."""
    return sorted(steps, key=lambda step: (step[0], step[1], step[2] or ""))


def written(rt: Runtime, incident_id: str, declared_at: datetime) -> list[Step]:
    """The escalation steps the worker wrote for ``incident_id``: each page (its kinds as one)
    and each gap it noted, in order."""
    with rt.database.transaction() as session:
        pages = session.execute(
            select(Delivery.created_at, Delivery.reason, Delivery.person).where(
                Delivery.incident_id == incident_id, Delivery.reason.like("escalation:%")
            )
        ).all()
        gaps = session.execute(
            select(TimelineEntry.at, TimelineEntry.data).where(
                TimelineEntry.incident_id == incident_id, TimelineEntry.kind == "escalation_gap"
            )
        ).all()
    steps = {
        (at - declared_at, reason.removeprefix("escalation:").rsplit(":", 1)[0], person)
        for at, reason, person in pages
    }
    return in_order([*steps, *((at - declared_at, data["role"], None) for at, data in gaps)])
