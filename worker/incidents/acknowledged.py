"""An acknowledgement: someone took their page; the escalations that paged them stop."""

from __future__ import annotations

import structlog

from muster.worker.core.keys import ack_key
from muster.worker.incidents.outcome import Outcome
from muster.worker.incidents.records import consume, declared_incident, recorded
from muster.worker.messages import Acknowledged
from muster.worker.runtime import Runtime
from muster.worker.store.models import TimelineEntry
from muster.worker.timers.arm import acknowledge

log = structlog.get_logger("muster.handlers")


def handle_acknowledged(rt: Runtime, message: Acknowledged, message_id: str) -> Outcome:
    """Record that someone took their page."""
    now = rt.clock.now()
    with rt.database.transaction() as session:
        row = declared_incident(session, message.incident_id)
        key = ack_key(row.id, message.person, message.role)
        if recorded(session, key):
            return Outcome(row.id, note="already acknowledged")
        stopped = acknowledge(session, row.id, message.person, message.role, now)
        session.add(
            TimelineEntry(
                incident_id=row.id,
                key=key,
                at=message.at or now,
                kind="acknowledged",
                actor=message.person,
                text=f"{message.person} acknowledged"
                + (f" as {message.role}" if message.role else ""),
                data={"role": message.role, "stopped": stopped},
            )
        )
        consume(session, message_id, now)
    log.info(
        "incident.acknowledged",
        incident_id=row.id,
        person=message.person,
        escalations_stopped=stopped,
    )
    return Outcome(row.id, note="escalation stopped" if stopped else "no escalation to stop")
