"""A declaration's second commit: its timeline entry, every page after the first, timers and
broadcasts — queued behind other declarations, so in a burst every first page goes first.

A crash between the two commits leaves the incident not ``fanned_out``; the redelivered
declaration, or the sweeper (:func:`complete_fan_outs`), completes it, writing nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster.worker.core.paging.first_page import after_first_page
from muster.worker.core.paging.keys import declared_key
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.snapshots import plan_from_data
from muster.worker.core.rendering.broadcasts import render_declared
from muster.worker.deliveries.rows import broadcast_rows, page_rows
from muster.worker.deliveries.storm import write_pages
from muster.worker.holds.declaration import held_declaration, record_held
from muster.worker.incidents.outcome import Outcome, UnknownIncident
from muster.worker.incidents.records import consume
from muster.worker.runtime import Runtime
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Incident
from muster.worker.store.timeline import add_entry
from muster.worker.timers.arm import arm_incident

log = structlog.get_logger("muster.handlers")


FAN_OUT_GRACE = timedelta(seconds=10)  # a declaration's two commits are milliseconds apart


def handle_fan_out(rt: Runtime, incident_id: str, message_id: str) -> Outcome:
    """A declaration's second commit, queued by :func:`handle_declared`: every page after the
    first, timers, broadcasts. Done already (by a redelivery or the sweeper): nothing to do."""
    now = rt.clock.now()
    routing = rt.config.current().routing
    with rt.database.transaction() as session:
        row = session.get(Incident, incident_id)
        if row is None:
            raise UnknownIncident(incident_id)
        if row.fanned_out:
            return Outcome(incident_id, note="fan-out already recorded: no-op")
        deliveries = fan_out(session, routing, row, message_id, now, first_done=True)
    return Outcome(incident_id, deliveries)


def complete_fan_outs(rt: Runtime, grace: timedelta = FAN_OUT_GRACE) -> tuple[int, ...]:
    """Complete the fan-outs a crash interrupted between a declaration's two commits.

    The redelivered declaration would do it too, but a broker may hold an unacknowledged
    message for an hour; the sweeper does not wait. Returns the deliveries to queue.
    """
    now = rt.clock.now()
    routing = rt.config.current().routing
    with rt.database.transaction() as session:
        stale = list(
            session.scalars(
                select(Incident.id)
                .where(Incident.fanned_out.is_(False), Incident.updated_at < now - grace)
                .limit(100)
            )
        )
    deliveries: list[int] = []
    for incident_id in stale:
        try:
            with rt.database.transaction() as session:
                row = session.get(Incident, incident_id)
                if row is None or row.fanned_out:
                    continue
                log.warning("incident.completing_fan_out", incident_id=incident_id, by="sweeper")
                deliveries += fan_out(session, routing, row, None, now, first_done=False)
        except IntegrityError:
            continue  # its declaration, redelivered, completed it at the same moment
    return tuple(deliveries)


def fan_out(
    session: Session,
    routing: Routing,
    row: Incident,
    message_id: str | None,
    now: datetime,
    first_done: bool,
) -> tuple[int, ...]:
    """The declaration's second commit: its timeline entry, every page after the first, timers,
    broadcasts (for a declaration a maintenance window held at its instant: its held entry and
    the rooms' one line only, :mod:`muster.worker.holds.declaration`).

    ``first_done`` says this follows the first commit in the same run, so no key can exist yet;
    otherwise (a redelivery completing a crashed run) rows already written are skipped.
    """
    plan = plan_from_data(row.plan)
    core = core_incident(row)
    add_entry(
        session,
        incident_id=row.id,
        key=declared_key(row.id),
        at=row.declared_at,
        kind="declared",
        actor=row.source,
        text=row.title,
        data={
            "severity": row.severity,
            "impact": row.impact,
            "urgency": row.urgency,
            "services": list(row.services),
            "unknown_services": list(plan.unknown_services),
            "gaps": [f"{g.role}:{g.service or ''}:{g.rotation}" for g in plan.gaps],
        },
    )
    held = held_declaration(session, row.id)
    if held is not None:  # held at its instant: the rooms' one line, no pages, no timers
        deliveries = record_held(session, routing, row, plan, held, now, known_new=first_done)
    else:
        pages = after_first_page(plan) if first_done else plan.pages
        rows = page_rows(None, routing, core, plan, pages, "plan", now, write=False)
        deliveries = write_pages(session, routing, rows, now, known_new=first_done)
        arm_incident(session, routing, row, plan, now)
        deliveries += broadcast_rows(
            session,
            routing,
            plan,
            row.id,
            "declared",
            render_declared(routing, core, plan),
            now,
            known_new=first_done,
        )
    row.fanned_out = True
    consume(session, message_id, now)
    return tuple(d.id for d in deliveries)
