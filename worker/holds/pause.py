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
from muster.worker.core.decisions.holds import Hold, holding
from muster.worker.core.decisions.release import PAUSED as PAUSED_MODE
from muster.worker.core.decisions.release import remaining
from muster.worker.core.decisions.timer_state import ESCALATION, PAUSED, PENDING
from muster.worker.core.paging.keys import PAUSED_KIND, paused_key
from muster.worker.core.rendering.holds import paused_text
from muster.worker.holds.current import holds_at
from muster.worker.holds.declaration import held_values, subject_of, write_held
from muster.worker.runtime import Runtime
from muster.worker.store.hold_models import HeldIncident
from muster.worker.store.incident_rows import core_incident
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
        query = (
            select(Timer, Incident)
            .join(Incident, Incident.id == Timer.incident_id)
            .where(
                Timer.kind == ESCALATION,
                Timer.state == PENDING,
                Incident.resolved_at.is_(None),
                Incident.fanned_out.is_(True),
            )
            .order_by(Timer.incident_id, Timer.id)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=Timer)  # waits for a scan firing them
        by_incident: dict[str, tuple[Incident, list[Timer]]] = {}
        for armed, row in session.execute(query):
            by_incident.setdefault(row.id, (row, []))[1].append(armed)
        for row, timers in by_incident.values():
            covered = holding(pausing, subject_of(core_incident(row), row.severity), now)
            if covered:
                _pause(session, row, covered[0], timers, now)


def _pause(session: Session, row: Incident, hold: Hold, timers: list[Timer], now: datetime) -> None:
    """Pause ``timers`` of ``row``, in its unreleased paused record (written when it has none)."""
    record = session.scalar(
        select(HeldIncident).where(
            HeldIncident.incident_id == row.id,
            HeldIncident.mode == PAUSED_MODE,
            HeldIncident.released_at.is_(None),
        )
    )
    kept = {armed.key: remaining(armed.due_at, now).total_seconds() for armed in timers}
    for armed in timers:
        armed.state, armed.updated_at = PAUSED, now
    if record is not None:
        record.data = {"timers": {**record.data.get("timers", {}), **kept}}
        return
    key = paused_key(row.id, hold.kind, hold.name, hold.starts)
    write_held(session, held_values(hold, row.id, now, PAUSED_MODE, key, {"timers": kept}))
    add_entry(
        session,
        incident_id=row.id,
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
