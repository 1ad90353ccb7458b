"""An acknowledgement: someone took their page; the escalations that paged them stop.

Only a person the config knows can acknowledge (anyone else is a producer's mistake, kept as a
dead letter); a person who was not paged for the incident has nothing to acknowledge, so what
they sent is kept on the timeline as a note and stops nothing.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.intake.message_names import refusal
from muster.worker.core.paging.deliveries import DeliveryPurpose
from muster.worker.core.paging.keys import ack_key, unpaged_ack_key
from muster.worker.incidents.outcome import Outcome
from muster.worker.incidents.records import consume, declared_incident, recorded
from muster.worker.messages import Acknowledged, InvalidMessage
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery
from muster.worker.store.timeline import add_entry
from muster.worker.timers.arm import acknowledge

log = structlog.get_logger("muster.handlers")


def handle_acknowledged(rt: Runtime, message: Acknowledged, message_id: str) -> Outcome:
    """Record that someone took their page."""
    now = rt.clock.now()
    reason = refusal(rt.config.current().routing.config, message)
    if reason:
        raise InvalidMessage(reason)
    with rt.database.transaction() as session:
        row = declared_incident(session, message.incident_id)
        if not _was_paged(session, row.id, message.person):
            return _unpaged(session, row.id, message, message_id, now)
        key = ack_key(row.id, message.person, message.role)
        if recorded(session, key):
            return Outcome(row.id, note="already acknowledged")
        stopped = acknowledge(session, row.id, message.person, message.role, now)
        add_entry(
            session,
            incident_id=row.id,
            key=key,
            at=message.at or now,
            kind="acknowledged",
            actor=message.person,
            text=f"{message.person} acknowledged" + (f" as {message.role}" if message.role else ""),
            data={"role": message.role, "stopped": stopped},
        )
        consume(session, message_id, now)
    log.info(
        "incident.acknowledged",
        incident_id=row.id,
        person=message.person,
        escalations_stopped=stopped,
    )
    return Outcome(row.id, note="escalation stopped" if stopped else "no escalation to stop")


def _was_paged(session: Session, incident_id: str, person: str) -> bool:
    """Whether ``person`` has a page for the incident (planned, escalated, handed a role or
    engaged), sent yet or not."""
    page = select(Delivery.id).where(
        Delivery.incident_id == incident_id,
        Delivery.purpose == DeliveryPurpose.PAGE,
        Delivery.person == person,
    )
    return session.scalar(page.limit(1)) is not None


def _unpaged(
    session: Session, incident_id: str, message: Acknowledged, message_id: str, now: datetime
) -> Outcome:
    key = unpaged_ack_key(incident_id, message.person, message.role)
    if recorded(session, key):
        return Outcome(incident_id, note="already noted")
    add_entry(
        session,
        incident_id=incident_id,
        key=key,
        at=message.at or now,
        kind="acknowledged_unpaged",
        actor=message.person,
        text=f"{message.person} acknowledged without having been paged: nothing stopped",
        data={"role": message.role},
    )
    consume(session, message_id, now)
    log.warning("incident.acknowledged_unpaged", incident_id=incident_id, person=message.person)
    return Outcome(
        incident_id,
        note=f"{message.person} was not paged for this incident: noted, nothing stopped",
    )
