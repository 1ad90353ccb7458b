"""Delivery rows, the outbox: a rendered message per person × contact kind, or per room.

Whatever decides that someone must hear something (a declaration, a milestone, an escalation
step, a summary) writes rows here inside its own transaction; tasks to send them are queued only
after the commit. Each row has a unique key, so deciding the same thing twice writes nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.core.paging.incident import Incident as CoreIncident
from muster.worker.core.paging.keys import broadcast_key, page_key
from muster.worker.core.paging.plan import PagePlan, PlannedPage
from muster.worker.core.paging.rooms import incident_rooms
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.snapshots import page_to_data
from muster.worker.core.rendering.render import RenderedMessage, render_page
from muster.worker.store.models import DELIVERIES, Delivery


@dataclass(slots=True, kw_only=True)
class NewDelivery:
    """A delivery row being written (plain data: no ORM bookkeeping for a large fan-out)."""

    key: str
    incident_id: str | None  # None: about no incident (a shift notice, a test page)
    purpose: str
    reason: str
    kind: str
    title: str
    body: str
    body_format: str
    status: str
    created_at: datetime
    lease_until: datetime
    person: str | None = None
    requested_kind: str | None = None
    page: dict[str, Any] | None = None
    attempts: int = 0  # given, not left to the column default: a multi-row VALUES needs it
    id: int = 0  # known once inserted

    def values(self) -> dict[str, Any]:
        """The row's columns for an INSERT (the id is the database's to give)."""
        return {name: getattr(self, name) for name in _COLUMNS}

    @staticmethod
    def columns() -> tuple[str, ...]:
        """The names :meth:`values` gives, in order."""
        return _COLUMNS


_COLUMNS = tuple(name for name in NewDelivery.__slots__ if name != "id")


def message_row(
    *,
    key: str,
    purpose: str,
    reason: str,
    person: str,
    kind: str,
    message: RenderedMessage,
    now: datetime,
) -> NewDelivery:
    """A pending delivery of a message already rendered for ``person``'s ``kind``, about no
    incident (a shift notice, a test page): no page plan to re-render it from, no fallback."""
    return NewDelivery(
        key=key,
        incident_id=None,
        purpose=purpose,
        reason=reason,
        person=person,
        kind=kind,
        requested_kind=kind,
        title=message.title,
        body=message.body,
        body_format=message.body_format,
        status=DeliveryStatus.PENDING,
        created_at=now,
        lease_until=now,
    )


def page_rows(
    session: Session | None,
    routing: Routing,
    incident: CoreIncident,
    plan: PagePlan,
    pages: Iterable[PlannedPage],
    reason: str,
    now: datetime,
    rendered_as: RenderedMessage | None = None,
    purpose: str = DeliveryPurpose.PAGE,
    known_new: bool = False,
    sending_until: datetime | None = None,
    write: bool = True,
) -> list[NewDelivery]:
    """A delivery row per person × contact kind, rendered now; existing keys are skipped.

    ``rendered_as`` sends that message instead of the page rendering (a reminder);
    ``known_new`` skips the existence check when the caller's lock guarantees fresh keys;
    ``sending_until`` writes the rows already claimed by the caller, who sends them at once;
    ``write=False`` returns them unwritten (no session needed), for a caller that writes them
    its own way: many at once, or in a declaration's one-statement first commit.
    """
    rows: list[NewDelivery] = []
    for page in pages:
        for contact in page.contacts:
            rendered = rendered_as or render_page(contact.kind, routing, incident, plan, page, now)
            rows.append(
                NewDelivery(
                    key=page_key(incident.id, purpose, page.person, contact.kind, reason),
                    incident_id=incident.id,
                    purpose=purpose,
                    reason=reason,
                    person=page.person,
                    kind=contact.kind,
                    requested_kind=contact.requested,
                    page=page_to_data(page),
                    title=rendered.title,
                    body=rendered.body,
                    body_format=rendered.body_format,
                    status=(
                        DeliveryStatus.PENDING if sending_until is None else DeliveryStatus.SENDING
                    ),
                    created_at=now,
                    lease_until=sending_until or now,
                )
            )
    if not write:
        return rows
    if session is None:
        raise ValueError("page_rows writes through a session")
    return insert_new(session, rows, known_new)


def broadcast_rows(
    session: Session,
    routing: Routing,
    plan: PagePlan,
    incident_id: str,
    reason: str,
    rendered: RenderedMessage,
    now: datetime,
    destinations: Iterable[str] | None = None,
    known_new: bool = False,
    write: bool = True,
) -> list[NewDelivery]:
    """A delivery row per room: by default the incident room and each handled service's room
    (``write=False``: returned unwritten, as for :func:`page_rows`)."""
    rows = [
        broadcast_row(
            broadcast_key(incident_id, destination, reason),
            incident_id,
            reason,
            destination,
            rendered,
            now,
        )
        for destination in (
            [room.name for room in incident_rooms(routing, plan)]
            if destinations is None
            else destinations
        )
    ]
    return insert_new(session, rows, known_new) if write else rows


def broadcast_row(
    key: str,
    incident_id: str | None,
    reason: str,
    destination: str,
    rendered: RenderedMessage,
    now: datetime,
) -> NewDelivery:
    """One room's line, unwritten, due now."""
    return NewDelivery(
        key=key,
        incident_id=incident_id,
        purpose=DeliveryPurpose.BROADCAST,
        reason=reason,
        kind=destination,
        title=rendered.title,
        body=rendered.body,
        body_format=rendered.body_format,
        status=DeliveryStatus.PENDING,
        created_at=now,
        lease_until=now,
    )


def insert_new(
    session: Session, rows: list[NewDelivery], known_new: bool = False
) -> list[NewDelivery]:
    """Insert the rows whose keys are not stored yet (all of them, when ``known_new``)."""
    if not rows:
        return []
    if not known_new:
        keys = [row.key for row in rows]
        existing = set(session.scalars(select(Delivery.key).where(Delivery.key.in_(keys))))
        rows = [row for row in rows if row.key not in existing]
    return _insert_fresh(session, rows) if rows else []


FEW = 4  # rows inserted with RETURNING rather than executemany + SELECT


def _insert_fresh(session: Session, rows: list[NewDelivery]) -> list[NewDelivery]:
    """Insert new rows in one executemany, then learn their ids in one SELECT.

    A fan-out of hundreds of rows through the ORM's unit of work (or one INSERT ... RETURNING
    whose statement the driver must parse anew for each size) costs several times more; a few
    rows (a declaration's first page) go in one INSERT ... RETURNING, one round trip.
    """
    values = [row.values() for row in rows]
    if len(rows) <= FEW:
        returned = session.scalars(
            insert(DELIVERIES).returning(DELIVERIES.c.id, sort_by_parameter_order=True), values
        ).all()
        for row, delivery_id in zip(rows, returned, strict=True):
            row.id = delivery_id
        return rows
    session.execute(insert(DELIVERIES), values)
    by_incident: dict[str | None, set[str]] = {}
    for row in rows:
        by_incident.setdefault(row.incident_id, set()).add(row.reason)
    ids: dict[str, int] = {}
    for incident_id, reasons in by_incident.items():
        ids.update(
            (key, delivery_id)
            for delivery_id, key in session.execute(
                select(Delivery.id, Delivery.key).where(
                    Delivery.incident_id == incident_id, Delivery.reason.in_(reasons)
                )
            )
        )
    for row in rows:
        row.id = ids[row.key]
    return rows
