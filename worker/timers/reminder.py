"""A reminder timer fires: ask the support lead to update customers, unless they just did."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.decisions.timer_state import CANCELLED, reminder_put_off_until
from muster.worker.core.paging.deliveries import DeliveryPurpose
from muster.worker.core.paging.keys import reminder_entry_key, reminder_reason
from muster.worker.core.paging.plan import Assignment, plan_pages
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.snapshots import plan_from_data
from muster.worker.core.rendering.summary import render_reminder
from muster.worker.deliveries.rows import NewDelivery, page_rows
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Incident, TimelineEntry, Timer
from muster.worker.store.timeline import add_entry


def fire_reminder(
    session: Session, routing: Routing, row: Incident, timer: Timer, now: datetime
) -> list[NewDelivery]:
    """Page the current support lead by the level's first contact kind; returns the rows,
    unwritten."""
    level = routing.level(row.severity).level
    every = level.customer_update_every
    if every is None:
        timer.state = CANCELLED
        return []
    last_update = session.scalar(
        select(TimelineEntry.at)
        .where(TimelineEntry.incident_id == row.id, TimelineEntry.kind == "support_update")
        .order_by(TimelineEntry.at.desc())
        .limit(1)
    )
    put_off = reminder_put_off_until(last_update, every, now)
    if put_off is not None:
        timer.due_at = put_off  # a recent update: nothing to remind of yet
        return []
    plan = plan_from_data(row.plan)
    leads = plan.holders().get("support_lead", [])
    core = core_incident(row)
    rendered = render_reminder(core, row.severity, every, last_update, now)
    pages = plan_pages(
        routing,
        [(p, Assignment("support_lead", None, "")) for p in leads if p in routing.config.people],
        level.via[:1],
    )
    created = page_rows(
        session,
        routing,
        core,
        plan,
        pages,
        reminder_reason(timer.due_at),
        now,
        rendered_as=rendered,
        purpose=DeliveryPurpose.REMINDER,
        write=False,  # written with the rest of the scan's batch
    )
    add_entry(
        session,
        row.id,
        reminder_entry_key(timer.key, timer.due_at),
        now,
        "reminder",
        None,
        f"customer-update reminder to {', '.join(leads) or 'nobody (no support lead)'}",
        {},
    )
    timer.due_at = now + every
    return created
