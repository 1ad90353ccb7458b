"""Fallback: a page that failed for good is tried again by the next contact kind of the
person's fallback chain (``sms`` → ``email``), once per kind and reason.

Two kinds failing at once (a SEV2's sms and chat, both falling back to email) race to add the
same fallback: its key is unique, so the second insert fails under a savepoint and that failure
is recorded as already being reached.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.core.paging.keys import page_key
from muster.worker.core.paging.plan import ContactRoute, PlannedPage
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.snapshots import page_from_data, page_to_data, plan_from_data
from muster.worker.core.rendering.render import RenderedMessage, render_page
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Delivery, Incident


def fallback(session: Session, routing: Routing, row: Delivery, now: datetime) -> Delivery | None:
    """A new delivery by the next kind along the fallback chain that can reach the person."""
    person = row.person or ""
    if person not in routing.config.people or row.page is None or row.incident_id is None:
        return None  # a shift notice or a test page goes by the kind it was sent by
    chain = routing.fallback_chain(row.kind)
    addresses = routing.config.people[person].addresses
    templates = routing.config.contacts.templates
    incident = session.get(Incident, row.incident_id)
    if incident is None:
        return None
    for kind in chain[1:]:
        if kind not in addresses or kind not in templates:
            continue
        key = page_key(row.incident_id, row.purpose, person, kind, row.reason)
        taken = session.scalar(select(Delivery.status).where(Delivery.key == key))
        if taken is not None and taken != DeliveryStatus.FAILED:
            return None  # that kind is already reaching them for this reason
        if taken is not None:
            continue
        page = page_from_data(row.page)
        contacts = (ContactRoute(kind=kind, requested=row.requested_kind or row.kind),)
        page = PlannedPage(page.person, page.name, page.assignments, contacts, page.unreachable)
        rendered = (
            render_page(
                kind, routing, core_incident(incident), plan_from_data(incident.plan), page, now
            )
            if row.purpose == DeliveryPurpose.PAGE
            else RenderedMessage(title=row.title, body=row.body, body_format=row.body_format)
        )
        fallback = Delivery(
            key=key,
            incident_id=row.incident_id,
            purpose=row.purpose,
            reason=row.reason,
            person=person,
            kind=kind,
            requested_kind=row.requested_kind,
            page=page_to_data(page),
            title=rendered.title,
            body=rendered.body,
            body_format=rendered.body_format,
            status=DeliveryStatus.PENDING,
            fallback_of=row.id,
            created_at=now,
            lease_until=now,
        )
        try:
            with session.begin_nested():
                session.add(fallback)
                session.flush()
        except IntegrityError:
            # Another kind of this page failed at the same moment and added this fallback
            # first: it is reaching them (``given_up`` finds it and tells nobody).
            return None
        return fallback
    return None
