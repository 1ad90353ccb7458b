"""A milestone: a timeline entry, what it changes, whom it pages, and the rooms told.

``redefinition`` recomputes severity and services, pages only people not yet paged and stops
the escalations of roles and services the new plan no longer contains;
``support_update`` and ``redefinition`` set the impact statement; ``state_change`` sets the state;
``role_change`` hands a role over and pages the new holder; ``engage`` pages named people and the
on-call SMEs of named services now.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.broadcasts import render_milestone
from muster.worker.core.keys import disarmed_key, milestone_key
from muster.worker.core.message_names import refusal
from muster.worker.core.plan import (
    PagePlan,
    PlannedPage,
    build_page_plan,
    plan_engagement,
    reassign_role,
)
from muster.worker.core.routing import Routing
from muster.worker.core.snapshots import plan_from_data, plan_to_data
from muster.worker.deliveries.rows import broadcast_rows, page_rows
from muster.worker.deliveries.storm import write_pages
from muster.worker.incidents.outcome import Outcome
from muster.worker.incidents.records import close, consume, declared_incident, recorded
from muster.worker.messages import InvalidMessage, Milestone
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery, Incident
from muster.worker.store.reads import core_incident
from muster.worker.store.timeline import add_entry
from muster.worker.timers.arm import cancel_all, rearm_for_severity, restart_role_chain


def handle_milestone(rt: Runtime, message: Milestone, message_id: str) -> Outcome:
    """Record a milestone on the timeline, apply what it changes, page who it needs, broadcast."""
    now = rt.clock.now()
    routing = rt.config.current().routing
    key = milestone_key(message.incident_id, message.milestone_id or message_id)
    reason = refusal(routing.config, message)
    if reason:
        raise InvalidMessage(reason)
    with rt.database.transaction() as session:
        row = declared_incident(session, message.incident_id)
        if recorded(session, key):
            return Outcome(row.id, note="duplicate milestone: no-op")
        at = message.at or now
        plan = plan_from_data(row.plan)
        core = core_incident(row)
        pages: Sequence[PlannedPage] = ()
        detail = ""
        reason = f"{message.kind}:{message.milestone_id or message_id}"
        if message.kind == "redefinition":
            plan, pages, detail = _redefine(session, routing, row, message, now)
            core = core_incident(row)
            disarmed = rearm_for_severity(session, routing, row, plan, now)
            if disarmed:
                detail += "; escalation stopped for " + ", ".join(disarmed)
                _note_disarmed(session, row.id, message, message_id, disarmed, now)
        elif message.kind == "support_update":
            row.impact_statement = message.text
        elif message.kind == "state_change" and message.state is not None:
            detail = f"State: {row.state} -> {message.state}"
            row.state = message.state
            if message.state == "resolved":
                close(session, row, at)
                cancel_all(session, row.id, now)
        elif message.kind == "role_change" and message.role and message.person:
            plan = reassign_role(routing, plan, message.role, message.person)
            restart_role_chain(session, routing, row, message.role, message.person, now)
            holder = plan.page_for(message.person)
            pages = (holder,) if holder is not None else ()
            detail = f"{routing.config.people[message.person].name} now holds {message.role}"
        elif message.kind == "engage":
            pages = plan_engagement(
                routing, plan, message.people or [], message.services or [], now
            )
            detail = "Engaged: " + ", ".join(p.name for p in pages)
        row.plan = plan_to_data(plan)
        row.updated_at = now
        add_entry(
            session,
            incident_id=row.id,
            key=key,
            at=at,
            kind=message.kind,
            actor=message.author,
            text=message.text,
            data=message.model_dump(
                mode="json", exclude_none=True, exclude={"incident_id", "text", "author", "at"}
            ),
        )
        session.flush()
        rows = page_rows(None, routing, core, plan, pages, reason, now, write=False)
        deliveries = write_pages(session, routing, rows, now)
        rendered = render_milestone(
            core, row.severity, message.kind, message.text, message.author, detail
        )
        deliveries += broadcast_rows(session, routing, plan, row.id, reason, rendered, now)
        consume(session, message_id, now)
    return Outcome(row.id, tuple(d.id for d in deliveries))


def _note_disarmed(
    session: Session,
    incident_id: str,
    message: Milestone,
    message_id: str,
    disarmed: list[str],
    now: datetime,
) -> None:
    """Say on the timeline whose escalations the redefinition stopped: those people's next
    levels will not be paged, and the review should show why."""
    add_entry(
        session,
        incident_id=incident_id,
        key=disarmed_key(incident_id, message.milestone_id or message_id),
        at=now,
        kind="escalation_disarmed",
        actor=message.author,
        text="No longer in the plan, escalation stopped: " + ", ".join(disarmed),
        data={"roles": disarmed},
    )


def _redefine(
    session: Session, routing: Routing, row: Incident, message: Milestone, now: datetime
) -> tuple[PagePlan, tuple[PlannedPage, ...], str]:
    before = row.severity
    row.impact = message.impact or row.impact
    row.urgency = message.urgency or row.urgency
    row.services = list(message.services or row.services)
    row.impact_statement = message.text
    severity = routing.severity(row.impact, row.urgency)
    row.severity = severity.name
    plan = build_page_plan(routing, core_incident(row), now, severity=severity)
    paged = set(
        session.scalars(
            select(Delivery.person).where(
                Delivery.incident_id == row.id, Delivery.purpose == "page"
            )
        )
    )
    newly = tuple(page for page in plan.pages if page.person not in paged)
    detail = f"Severity {before} -> {severity.name}; impact {row.impact}, urgency {row.urgency}"
    detail += f"; services {', '.join(row.services)}"
    return plan, newly, detail
