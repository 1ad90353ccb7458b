"""Reading an incident's record back out of the database for people: the review export."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.snapshots import plan_from_data
from muster.worker.core.rendering.review import PageRecord, ReviewFacts
from muster.worker.core.rendering.summary import TimelineItem, named_holders
from muster.worker.store.models import Delivery, TimelineEntry
from muster.worker.store.reads import find_incident


def review_facts(session: Session, routing: Routing, incident_id: str) -> ReviewFacts | None:
    """Everything recorded about ``incident_id`` (or the incident it joined by fingerprint), or
    None if muster never heard of it."""
    row = find_incident(session, incident_id)
    if row is None:
        return None
    people = routing.config.people
    plan = plan_from_data(row.plan)
    entries = session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == row.id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
    )
    deliveries = session.scalars(
        select(Delivery)
        .where(Delivery.incident_id == row.id, Delivery.person.is_not(None))
        .order_by(Delivery.id)
    )
    return ReviewFacts(
        incident_id=row.id,
        title=row.title,
        severity=row.severity,
        impact=row.impact,
        urgency=row.urgency,
        services=list(row.services),
        state=row.state,
        impact_statement=row.impact_statement,
        declared_at=row.declared_at,
        resolved_at=row.resolved_at,
        holders=named_holders(routing, plan),
        items=[TimelineItem(e.at, e.kind, e.actor, e.text, e.data) for e in entries],
        pages=[
            PageRecord(
                person=d.person or "",
                name=people[d.person].name if d.person in people else (d.person or ""),
                kind=d.kind,
                reason=d.reason,
                status=d.status,
                attempts=d.attempts,
                created_at=d.created_at,
                finished_at=d.finished_at,
                last_error=d.last_error,
            )
            for d in deliveries
        ],
    )
