"""Escalations a window with ``existing: pause`` pauses: incidents that paged before it, and
are in its scope, stop escalating while it holds them and go on after it with the time each
timer had left.

Run by the beat's scan (:mod:`muster.worker.holds.scan`): when a pausing hold is active, the
pending escalation timers of the open incidents it covers are locked, marked ``paused`` (the
timer scan fires only ``pending`` ones) and their remaining time kept in a ``held_incidents``
row of mode ``paused``; a chain armed while the incident is paused (a role handed over) joins
that row at the next scan. The release scan resumes them (:func:`resume`) once no pausing hold
covers the incident; an acknowledgement or a resolution meanwhile stops them as it stops
pending ones (:mod:`muster.worker.timers.arm`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.config.maintenance import PAUSE
from muster.worker.core.decisions.holds import Hold, Subject, holding
from muster.worker.core.decisions.release import PAUSED as PAUSED_MODE
from muster.worker.core.decisions.release import remaining
from muster.worker.core.decisions.timer_state import ESCALATION, PAUSED, PENDING
from muster.worker.core.paging.keys import PAUSED_KIND, paused_key
from muster.worker.core.rendering.holds import paused_text
from muster.worker.holds.current import holds_at
from muster.worker.holds.declaration import held_values, write_held
from muster.worker.runtime import Runtime
from muster.worker.store.hold_models import HeldIncident
from muster.worker.store.models import Incident, Timer
from muster.worker.store.timeline import add_entry
from muster.worker.timers.rows import timer


def pause_escalations(rt: Runtime) -> None:
    """Pause the pending escalations of every open incident a pausing hold covers now."""
    now = rt.clock.now()
    config = rt.config.current().routing.config
    with rt.database.transaction() as session:
        pausing = [hold for hold in holds_at(session, config, now) if hold.existing == PAUSE]
        if not pausing:
            return
        # Which open incidents with a pending escalation the holds cover: read unlocked, a few
        # columns; only the covered ones' timers are then locked (a scan firing them is waited
        # for, and a timer it moved on is read afresh).
        candidates = session.execute(
            select(Incident.id, Incident.services, Incident.severity, Incident.labels)
            .where(
                Incident.resolved_at.is_(None),
                Incident.fanned_out.is_(True),
                Incident.id.in_(
                    select(Timer.incident_id).where(
                        Timer.kind == ESCALATION, Timer.state == PENDING
                    )
                ),
            )
            .order_by(Incident.id)
        )
        covered: dict[str, Hold] = {}
        for incident_id, services, severity, labels in candidates:
            found = holding(pausing, Subject(tuple(services), severity, dict(labels or {})), now)
            if found:
                covered[incident_id] = found[0]
        if not covered:
            return
        query = (
            select(Timer)
            .where(
                Timer.incident_id.in_(covered),
                Timer.kind == ESCALATION,
                Timer.state == PENDING,
            )
            .order_by(Timer.incident_id, Timer.id)
            .execution_options(populate_existing=True)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        by_incident: dict[str, list[Timer]] = {}
        for armed in session.scalars(query):
            by_incident.setdefault(armed.incident_id, []).append(armed)
        for incident_id, timers in by_incident.items():
            _pause(session, incident_id, covered[incident_id], timers, now)


def _pause(
    session: Session, incident_id: str, hold: Hold, timers: list[Timer], now: datetime
) -> None:
    """Pause ``timers`` of the incident, in its unreleased paused record (written when it has
    none)."""
    record = session.scalar(
        select(HeldIncident).where(
            HeldIncident.incident_id == incident_id,
            HeldIncident.mode == PAUSED_MODE,
            HeldIncident.released_at.is_(None),
        )
    )
    kept = {armed.key: remaining(armed.due_at, now).total_seconds() for armed in timers}
    for armed in timers:
        armed.state, armed.updated_at = PAUSED, now
    if record is not None:
        record.data = {**record.data, "timers": {**record.data.get("timers", {}), **kept}}
        return
    key = paused_key(incident_id, hold.kind, hold.name, hold.starts)
    write_held(session, held_values(hold, incident_id, now, PAUSED_MODE, key, {"timers": kept}))
    add_entry(
        session,
        incident_id=incident_id,
        key=key,
        at=now,
        kind=PAUSED_KIND,
        actor=hold.author,
        text=paused_text(hold.kind, hold.name, hold.reason),
        data={"hold": hold.kind, "name": hold.name, "chains": sorted(kept)},
    )


def resume(session: Session, record: HeldIncident, now: datetime) -> None:
    """Resume the escalations ``record`` paused, each with the time it had left (those stopped
    meanwhile, by an acknowledgement or the resolution, stay stopped)."""
    for key, seconds in dict(record.data.get("timers", {})).items():
        armed = timer(session, key)
        if armed is not None and armed.state == PAUSED:
            armed.state, armed.updated_at = PENDING, now
            armed.due_at = now + timedelta(seconds=float(seconds))
