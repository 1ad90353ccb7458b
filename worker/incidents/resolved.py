"""A resolution: the incident closes, every timer stops, the rooms hear how long it lasted and
the summaries get a final one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.paging.keys import resolved_key
from muster.worker.core.paging.snapshots import plan_from_data
from muster.worker.core.rendering.broadcasts import render_resolved
from muster.worker.deliveries.rows import broadcast_rows
from muster.worker.incidents.outcome import Outcome, UnknownIncident
from muster.worker.incidents.records import close, consume, declared_incident, recorded
from muster.worker.messages import Resolved
from muster.worker.runtime import Runtime
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Incident, OpenFingerprint
from muster.worker.store.timeline import add_entry
from muster.worker.timers.arm import cancel_all
from muster.worker.timers.summary import last_summary_at, send_summary


def handle_resolved(rt: Runtime, message: Resolved, message_id: str) -> Outcome:
    """Close the incident and tell the rooms."""
    now = rt.clock.now()
    routing = rt.config.current().routing
    with rt.database.transaction() as session:
        if message.incident_id is None:
            holder = session.get(OpenFingerprint, message.fingerprint)
            if holder is None:
                return _nothing_open(session, str(message.fingerprint))
            incident_id = holder.incident_id
        else:
            incident_id = message.incident_id
        row = declared_incident(session, incident_id)
        key = resolved_key(row.id)
        if recorded(session, key):
            return Outcome(row.id, note="already resolved")
        at = message.at or now
        row.state = "resolved"
        close(session, row, at)
        since = last_summary_at(session, row.id)
        cancel_all(session, row.id, now)
        row.updated_at = now
        add_entry(
            session,
            incident_id=row.id,
            key=key,
            at=at,
            kind="resolved",
            text=message.text or "",
            data={},
        )
        session.flush()
        rendered = render_resolved(
            core_incident(row), row.severity, row.declared_at, at, message.text
        )
        plan = plan_from_data(row.plan)
        deliveries = broadcast_rows(session, routing, plan, row.id, "resolved", rendered, now)
        deliveries += send_summary(session, routing, row, since, now, None, "final", final=True)
        consume(session, message_id, now)
    return Outcome(row.id, tuple(d.id for d in deliveries))


def _nothing_open(session: Session, fingerprint: str) -> Outcome:
    """A resolution by fingerprint that no open incident holds: a no-op if one held it and is
    resolved; otherwise its declaration may be a moment behind (retried, then kept)."""
    last = session.scalars(
        select(Incident.id)
        .where(Incident.fingerprint == fingerprint)
        .order_by(Incident.declared_at.desc())
        .limit(1)
    ).first()
    if last is None:
        raise UnknownIncident(f"fingerprint {fingerprint}")
    return Outcome(last, note="already resolved")
