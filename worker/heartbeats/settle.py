"""Declaring and resolving monitors' incidents through the incident handlers, after the commit
that decided it, and again at every scan for what a crash left undone.

A miss is committed on the monitor's row first (its incident's id with it); the declaration is
then the ``muster.incident.declared`` message a producer would send, handled by the same handler
(severity, routing, pages, timers), under the miss's derived id: a declaration made twice is a
no-op. A heartbeat's return is committed first too; the resolution is the ``resolved`` message's
handler, and the row forgets the incident only once it is resolved. Whoever settles a row holds
it for :data:`LEASE` (a conditional update), so two scanners do not both try.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import structlog
from pydantic import ValidationError
from sqlalchemy import select

from muster.worker.core.decisions.heartbeats import DISARMED, DOWN, declaration, missed_of, pending
from muster.worker.core.decisions.heartbeats import resolution_text as resolution
from muster.worker.heartbeats.rows import claim, release, state_of
from muster.worker.incidents.declared import handle_declared
from muster.worker.incidents.outcome import UnknownIncident
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import Declared, InvalidMessage, Resolved, describe
from muster.worker.runtime import Runtime
from muster.worker.store.reads import find_incident
from muster.worker.store.upkeep_models import HeartbeatRow

log = structlog.get_logger("muster.heartbeats")

LEASE = timedelta(minutes=1)


def settle(rt: Runtime, only: Iterable[str] | None = None) -> list[int]:
    """Declare or resolve every monitor's incident that is due to be (of ``only``, when
    given); returns the deliveries to queue (committed)."""
    now = rt.clock.now()
    config = rt.config.current().routing.config
    with rt.database.transaction() as session:
        query = select(HeartbeatRow).where(
            HeartbeatRow.incident_id.is_not(None), HeartbeatRow.state != DISARMED
        )
        if only is not None:
            query = query.where(HeartbeatRow.name.in_(list(only)))
        work = []
        for row in session.scalars(query):
            incident = find_incident(session, str(row.incident_id))
            state = state_of(row)
            action = pending(state, incident is not None and incident.fanned_out)
            if action is not None:
                work.append((state, action))
    deliveries: list[int] = []
    for state, action in work:
        incident_id = str(state.incident_id)
        if not claim(rt.database, state.name, incident_id, now + LEASE, now):
            continue  # another scanner is at it
        settled = False
        try:
            miss = missed_of(state)
            if action == "declare" and miss is not None and state.name in config.heartbeats:
                message = _declared(declaration(config, miss))
                outcome = handle_declared(rt, message, f"heartbeat:{incident_id}")
                deliveries += outcome.deliveries
                log.warning(
                    "heartbeat.declared",
                    heartbeat=state.name,
                    incident_id=incident_id,
                    note=outcome.note or None,
                )
            if state.state != DOWN:
                text = resolution(state.name, state.last_seen_at)
                resolved = Resolved(incident_id=incident_id, text=text)
                outcome = handle_resolved(rt, resolved, f"heartbeat-resolved:{incident_id}")
                deliveries += outcome.deliveries
                settled = True
                log.info("heartbeat.resolved", heartbeat=state.name, incident_id=incident_id)
        except UnknownIncident:
            log.info("heartbeat.incident_not_recorded", heartbeat=state.name)
        except InvalidMessage as invalid:
            log.error("heartbeat.declaration_refused", heartbeat=state.name, reason=invalid.reason)
        except Exception:  # one monitor must not stop the others; the next scan tries again
            log.exception("heartbeat.settle_failed", heartbeat=state.name, incident_id=incident_id)
        release(rt.database, state.name, incident_id, settled, rt.clock.now())
    return deliveries


def _declared(payload: dict[str, object]) -> Declared:
    try:
        return Declared.model_validate(payload)
    except ValidationError as invalid:
        raise InvalidMessage(describe(invalid)) from None
