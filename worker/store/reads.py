"""Reads several parts of muster share: an incident by an id a producer was given, who was
paged but has not acknowledged (summaries and the review both say so), the pages no contact kind
delivered (every summary lists them), and how many deliveries are still to be sent (the
metrics' queue depth). The core's view of a stored incident is
:func:`muster.worker.store.incident_rows.core_incident`."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from muster.worker.core.paging.deliveries import UNSENT, DeliveryPurpose
from muster.worker.core.paging.keys import role_label
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.summary import Unacknowledged
from muster.worker.core.rendering.unreachable import DeliveryFacts, FailedPage, failed_pages
from muster.worker.store.models import (
    DELIVERIES,
    Delivery,
    Incident,
    IncidentAlias,
    TimelineEntry,
)


def find_incident(session: Session, incident_id: str) -> Incident | None:
    """The incident ``incident_id`` names: its own, or the open incident a declaration under
    that id joined by fingerprint (the producer was given that id and will use it)."""
    row = session.get(Incident, incident_id)
    if row is not None:
        return row
    alias = session.get(IncidentAlias, incident_id)
    return None if alias is None else session.get(Incident, alias.incident_id)


def unacknowledged(session: Session, routing: Routing, incident_id: str) -> list[Unacknowledged]:
    """People paged for this incident (not merely broadcast to) who have not acknowledged."""
    acked = set(
        session.scalars(
            select(TimelineEntry.actor).where(
                TimelineEntry.incident_id == incident_id, TimelineEntry.kind == "acknowledged"
            )
        )
    )
    first: dict[str, Unacknowledged] = {}
    for delivery in session.scalars(
        select(Delivery)
        .where(Delivery.incident_id == incident_id, Delivery.purpose == DeliveryPurpose.PAGE)
        .order_by(Delivery.id)
    ):
        person = delivery.person or ""
        if person in acked or person in first:
            continue
        roles = [
            role_label(a["role"], a.get("service"))
            for a in (delivery.page or {}).get("assignments", [])
        ]
        name = routing.config.people[person].name if person in routing.config.people else person
        first[person] = Unacknowledged(
            name=name, role=", ".join(roles) or "paged", paged_at=delivery.created_at
        )
    return list(first.values())


def failed_pages_of(session: Session, routing: Routing, incident_id: str) -> tuple[FailedPage, ...]:
    """The incident's pages (not broadcasts, reminders or notices) that no kind delivered."""
    rows = session.execute(
        select(Delivery.person, Delivery.reason, Delivery.kind, Delivery.status, Delivery.page)
        .where(Delivery.incident_id == incident_id, Delivery.purpose == DeliveryPurpose.PAGE)
        .order_by(Delivery.id)
    )
    facts = [
        DeliveryFacts(
            person=person or "",
            reason=reason,
            kind=kind,
            status=status,
            roles=tuple(
                role_label(a["role"], a.get("service")) for a in (page or {}).get("assignments", [])
            ),
        )
        for person, reason, kind, status, page in rows
    ]
    names = {key: person.name for key, person in routing.config.people.items()}
    return failed_pages(facts, names)


def unsent_deliveries(engine: Engine) -> dict[str, int]:
    """How many deliveries wait for a worker (``pending``) and how many one holds (``sending``):
    the depth of muster's own queue, which the database knows better than the broker."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(DELIVERIES.c.status, func.count())
            .where(DELIVERIES.c.status.in_(UNSENT))
            .group_by(DELIVERIES.c.status)
        )
        counts = dict.fromkeys(map(str, UNSENT), 0)
        counts.update({str(status): int(count) for status, count in rows})
        return counts
