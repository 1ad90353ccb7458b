"""Summaries: the periodic one when its timer fires, and the final one at resolution.

A summary says what happened since the last one; its stakeholder version says only what
customers may read. Both are broadcast rows keyed by incident and slot, so a slot is summarised
once however many scanners fire it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.decisions.timer_state import SummaryState, next_summary_due
from muster.worker.core.paging.keys import summary_entry_key, summary_timer_key
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.snapshots import plan_from_data
from muster.worker.core.rendering.summary import (
    SummaryFacts,
    TimelineItem,
    compose_stakeholder_update,
    compose_summary,
    named_holders,
)
from muster.worker.deliveries.rows import NewDelivery, broadcast_rows
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Incident, TimelineEntry, Timer
from muster.worker.store.reads import failed_pages_of, unacknowledged
from muster.worker.store.timeline import add_entry
from muster.worker.timers.rows import timer


def fire_summary(
    session: Session, routing: Routing, row: Incident, armed: Timer, now: datetime
) -> list[NewDelivery]:
    """The summary of the slot due now; returns its rows, unwritten."""
    level = routing.level(row.severity).level
    slot = armed.due_at
    state = SummaryState.from_data(armed.data)
    next_due = next_summary_due(slot, level.summary_every, now)
    created = send_summary(
        session, routing, row, state.last_at, now, next_due, slot.isoformat(), write=False
    )
    armed.data = SummaryState(now).to_data()
    armed.due_at = next_due
    return created


def last_summary_at(session: Session, incident_id: str) -> datetime | None:
    """When the incident's last periodic summary went out, if one did."""
    armed = timer(session, summary_timer_key(incident_id))
    return SummaryState.from_data(armed.data).last_at if armed is not None else None


def send_summary(
    session: Session,
    routing: Routing,
    row: Incident,
    since: datetime | None,
    now: datetime,
    next_at: datetime | None,
    slot: str,
    final: bool = False,
    write: bool = True,
) -> list[NewDelivery]:
    """The summary and its stakeholder version, as broadcast rows keyed by incident and slot
    (``write=False``: returned unwritten, for the scan to write with the rest of its batch)."""
    facts = summary_facts(session, routing, row, since, now, next_at, final)
    plan = plan_from_data(row.plan)
    rows: list[NewDelivery] = []
    reason = f"summary:{slot}"
    for destination, compose in (
        ("summaries", compose_summary),
        ("stakeholders", compose_stakeholder_update),
    ):
        if getattr(routing.config.broadcasts, destination):
            rows += broadcast_rows(
                session,
                routing,
                plan,
                row.id,
                reason,
                compose(facts),
                now,
                destinations=[destination],
                known_new=True,
                write=write,
            )
    add_entry(
        session,
        row.id,
        summary_entry_key(row.id, slot),
        now,
        "summary",
        None,
        "final summary" if final else "summary",
        {"since": since.isoformat() if since else None, "items": len(facts.items)},
    )
    return rows


def summary_facts(
    session: Session,
    routing: Routing,
    row: Incident,
    since: datetime | None,
    now: datetime,
    next_at: datetime | None,
    final: bool,
) -> SummaryFacts:
    """What a summary of ``row`` says, read from the timeline, the plan and the deliveries."""
    query = select(TimelineEntry).where(TimelineEntry.incident_id == row.id)
    if since is not None:
        query = query.where(TimelineEntry.at > since)
    entries = list(
        session.scalars(
            query.where(TimelineEntry.at <= now).order_by(TimelineEntry.at, TimelineEntry.id)
        )
    )
    return SummaryFacts(
        incident=core_incident(row),
        severity=row.severity,
        state="resolved" if final else row.state,
        impact_statement=row.impact_statement,
        since=since,
        at=now,
        items=[TimelineItem(e.at, e.kind, e.actor, e.text, e.data) for e in entries],
        holders=named_holders(routing, plan_from_data(row.plan)),
        unacknowledged=unacknowledged(session, routing, row.id),
        next_at=next_at,
        final=final,
        failed=failed_pages_of(session, routing, row.id),
        config_note=routing.serving_note,
    )
