"""Digests: a window that closed holding pages sends one digest per person and contact kind.

Fired by the beat's scan like every timer: due windows are taken under row locks (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL, SQLite's single writer elsewhere) and, in that transaction, the
digest's delivery row is written, every held page it carries is marked ``digested`` (naming
the digest), and the window is reopened with the digest as its first page. Two beats, a
redelivered scan or a restart therefore send each digest once, and no held page is in two.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from muster.worker.core.decisions.storm import Folded, after_digest, digest_items
from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.core.paging.keys import digest_entry_key, digest_reason, page_key
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.digest import digest_ack_link, render_digest
from muster.worker.deliveries.rows import NewDelivery, insert_new
from muster.worker.observe import metrics
from muster.worker.runtime import Runtime
from muster.worker.store.models import DELIVERIES, Delivery, Incident
from muster.worker.store.timeline import NewEntry, add_entries
from muster.worker.store.upkeep_models import PageWindow

log = structlog.get_logger("muster.timers")


def fire_digests(rt: Runtime, batch: int = 100) -> list[int]:
    """Send the digest of every window due by now; return the deliveries to queue."""
    now = rt.clock.now()
    routing = rt.config.current().routing
    created: list[int] = []
    while True:
        with rt.database.transaction() as session:
            query = (
                select(PageWindow)
                .where(PageWindow.held > 0, PageWindow.closes_at <= now)
                .order_by(PageWindow.closes_at, PageWindow.person, PageWindow.kind)
                .limit(batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            windows = list(session.scalars(query))
            rows: list[NewDelivery] = []
            for window in windows:
                rows += send_digest(session, routing, window, now)
            created += [row.id for row in insert_new(session, rows, known_new=True)]
        metrics.digests_written([row.kind for row in rows])  # committed: counted once
        if len(windows) < batch:
            return created


def send_digest(
    session: Session, routing: Routing, window: PageWindow, now: datetime
) -> list[NewDelivery]:
    """The digest of one due window (locked by the caller): its row, unwritten."""
    reason = digest_reason(window.kind, window.opened_at or now)
    held = list(
        session.execute(
            select(Delivery.id, Delivery.incident_id, Delivery.created_at)
            .where(
                Delivery.status == DeliveryStatus.HELD,
                Delivery.person == window.person,
                Delivery.kind == window.kind,
            )
            .order_by(Delivery.id)
        )
    )
    limit = routing.config.limits.for_page(window.person, window.kind)
    fresh = after_digest(limit, now) if held else after_digest(None, now)
    window.opened_at, window.closes_at = fresh.opened_at, fresh.closes_at
    window.sent, window.held, window.updated_at = fresh.sent, fresh.held, now
    if not held:
        return []
    incidents = {
        row.id: row
        for row in session.execute(
            select(Incident.id, Incident.severity, Incident.title, Incident.state).where(
                Incident.id.in_({incident_id for _, incident_id, _ in held})
            )
        )
    }
    order = routing.config.level_order
    items = digest_items(
        Folded(
            incident_id=incident_id,
            severity=incidents[incident_id].severity,
            rank=order.index(incidents[incident_id].severity)
            if incidents[incident_id].severity in order
            else len(order),
            title=incidents[incident_id].title,
            state=incidents[incident_id].state,
            held_at=created_at,
        )
        for _, incident_id, created_at in held
        if incident_id is not None  # held rows are pages: always an incident's
    )
    link = digest_ack_link(routing, reason, window.person, now) if window.kind != "sms" else None
    rendered = render_digest(window.kind, routing, items, link)
    session.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id.in_([delivery_id for delivery_id, _, _ in held]))
        .values(status=DeliveryStatus.DIGESTED, digest=reason, lease_until=None)
    )
    add_entries(session, [_entry(item, window, reason, len(items), now) for item in items])
    log.info(
        "digest.due",
        person=window.person,
        kind=window.kind,
        incidents=len(items),
        pages=len(held),
    )
    return [
        NewDelivery(
            key=page_key(
                items[0].incident_id, DeliveryPurpose.DIGEST, window.person, window.kind, reason
            ),
            incident_id=items[0].incident_id,
            purpose=DeliveryPurpose.DIGEST,
            reason=reason,
            person=window.person,
            kind=window.kind,
            requested_kind=window.kind,
            title=rendered.title,
            body=rendered.body,
            body_format=rendered.body_format,
            status=DeliveryStatus.PENDING,
            created_at=now,
            lease_until=now,
        )
    ]


def _entry(item: Folded, window: PageWindow, reason: str, count: int, now: datetime) -> NewEntry:
    others = count - 1
    return NewEntry(
        item.incident_id,
        digest_entry_key(item.incident_id, reason, window.person),
        now,
        "digest",
        window.person,
        f"in {window.person}'s {window.kind} digest"
        + (f" with {others} other incident{'s' if others != 1 else ''}" if others else ""),
        {"digest": reason, "kind": window.kind, "incidents": count},
    )
