"""An escalation timer fires: page the chain's next staffed level, or say it is exhausted."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.orm import Session

from muster.worker.core.decisions.timer_state import CANCELLED, EXHAUSTED, ChainState
from muster.worker.core.paging.escalation import escalate
from muster.worker.core.paging.keys import (
    escalated_key,
    escalation_gap_key,
    escalation_reason,
    exhausted_key,
)
from muster.worker.core.paging.plan import Assignment, plan_pages
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.snapshots import plan_from_data
from muster.worker.deliveries.rows import NewDelivery, page_rows
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Incident, Timer
from muster.worker.store.timeline import add_entry

log = structlog.get_logger("muster.timers")


def fire_escalation(
    session: Session, routing: Routing, row: Incident, timer: Timer, now: datetime
) -> list[NewDelivery]:
    """Page the next level (gaps skipped at once and noted); returns the rows, unwritten."""
    level = routing.level(row.severity).level
    if level.ack_within is None:
        timer.state = CANCELLED
        return []
    state = ChainState.from_data(timer.data)
    progress = state.progress
    decision = escalate(routing, progress, level.ack_within, routing.config.escalation.repeat, now)
    plan = plan_from_data(row.plan)
    core = core_incident(row)
    created: list[NewDelivery] = []
    paged: list[str] = []
    label = state.label
    for number, step in enumerate(decision.steps, start=progress.steps_taken + 1):
        step_id = state.step_id(number)
        if step.person is None or step.person not in routing.config.people:
            add_entry(
                session,
                row.id,
                escalation_gap_key(timer.key, step_id),
                now,
                "escalation_gap",
                None,
                f"{label}: nobody on call in {step.rotation}; escalating further",
                {"role": label, "rotation": step.rotation, "step": number},
            )
            continue
        assignment = Assignment(
            role=state.role,
            service=state.service,
            rotation=step.rotation,
            escalation_level=max(step.level, 1),
        )
        pages = plan_pages(routing, [(step.person, assignment)], level.via)
        created += page_rows(
            session,
            routing,
            core,
            plan,
            pages,
            escalation_reason(label, step_id),
            now,
            write=False,  # written with the rest of the scan's batch
        )
        paged.append(step.person)
        add_entry(
            session,
            row.id,
            escalated_key(timer.key, step_id),
            now,
            "escalated",
            step.person,
            f"{label} not acknowledged: paging {step.person} ({step.rotation})",
            {"role": label, "rotation": step.rotation, "step": number, "round": step.round},
        )
        log.warning(
            "escalation.paged",
            incident_id=row.id,
            role=label,
            person=step.person,
            rotation=step.rotation,
            step=number,
        )
    timer.data = state.after(decision.progress, paged).to_data()
    if decision.next_due is None:
        timer.state = EXHAUSTED
        add_entry(
            session,
            row.id,
            exhausted_key(timer.key, state.generation),
            now,
            "escalation_exhausted",
            None,
            f"{label}: escalation chain exhausted with nobody acknowledging",
            {},
        )
        log.error("escalation.exhausted", incident_id=row.id, role=label)
    else:
        timer.due_at = decision.next_due
    return created
