"""A declaration held at its instant: recorded, told to the rooms in one line, paging nobody.
A hold keeping a storm from the pagers does not flood the rooms instead: each room hears of a
few of its declarations one by one, then of the rest together at its end
(:mod:`muster.worker.core.decisions.room_lines`).

The hold is decided before the declaration's first commit and stored in it (its
``held_incidents`` row beside the incident, and no first page), so the fan-out, queued as a task
of its own and run whenever, does what was decided at the declaration's instant: the timeline
entry, the rooms' one line, and no pages, no escalation, no summary until the release
(:mod:`muster.worker.holds.release`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from muster.worker.core.decisions.holds import Hold, Subject
from muster.worker.core.decisions.release import DECLARATION, HeldMode
from muster.worker.core.decisions.room_lines import LAST, LINE, held_line
from muster.worker.core.paging.incident import Incident as CoreIncident
from muster.worker.core.paging.keys import HELD_KIND, HELD_REASON, held_declaration_key
from muster.worker.core.paging.plan import PagePlan
from muster.worker.core.paging.rooms import incident_rooms
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.holds import held_text, render_held
from muster.worker.deliveries.rows import NewDelivery, broadcast_rows
from muster.worker.store.hold_models import HELD_INCIDENTS, HeldIncident
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Delivery, Incident
from muster.worker.store.timeline import add_entry


def subject_of(incident: CoreIncident, severity: str) -> Subject:
    """What holds are matched against: the incident's services, severity and labels."""
    return Subject(services=incident.services, severity=severity, labels=incident.labels)


def held_values(
    hold: Hold,
    incident_id: str,
    now: datetime,
    mode: HeldMode = DECLARATION,
    key: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``held_incidents`` row of an incident ``hold`` holds: by default a declaration held
    at its instant, for its first commit (``mode``, ``key`` and ``data`` for paused ones)."""
    return {
        "key": key or held_declaration_key(incident_id),
        "incident_id": incident_id,
        "mode": mode,
        "hold_kind": hold.kind,
        "hold_name": hold.name,
        "reason": hold.reason,
        "on_end": hold.on_end,
        "held_at": now,
        "data": {**(data or {}), **({"author": hold.author} if hold.author else {})},
    }


def write_held(session: Session, values: dict[str, Any]) -> None:
    """Insert a held incident's row (:func:`held_values`), in the transaction deciding it."""
    session.execute(insert(HELD_INCIDENTS).values(**values))


def held_declaration(session: Session, incident_id: str) -> HeldIncident | None:
    """The hold of a declaration held at its instant, if it was (released or not)."""
    return session.scalar(
        select(HeldIncident).where(HeldIncident.key == held_declaration_key(incident_id))
    )


def still_held(session: Session, incident_id: str) -> bool:
    """Whether the incident is a declaration held at its instant and not released yet."""
    held = held_declaration(session, incident_id)
    return held is not None and held.released_at is None


def record_held(
    session: Session,
    routing: Routing,
    row: Incident,
    plan: PagePlan,
    held: HeldIncident,
    now: datetime,
    known_new: bool,
) -> list[NewDelivery]:
    """The held declaration's fan-out: its timeline entry and the rooms' one line."""
    add_entry(
        session,
        incident_id=row.id,
        key=held.key,
        at=held.held_at,
        kind=HELD_KIND,
        actor=held.data.get("author"),  # who planned the window
        text=held_text(held.hold_kind, held.hold_name, held.reason),
        data={
            "hold": held.hold_kind,
            "name": held.hold_name,
            "on_end": held.on_end,
            "unpaged": sorted({page.person for page in plan.pages}),
        },
    )
    rooms = [room.name for room in incident_rooms(routing, plan)]
    told = told_held(session, held, row.id, rooms)
    rows: list[NewDelivery] = []
    for line in (LINE, LAST):
        destinations = [room for room in rooms if held_line(told.get(room, 0)) == line]
        if destinations:
            rendered = render_held(
                core_incident(row),
                row.severity,
                held.hold_kind,
                held.hold_name,
                held.reason,
                last=line == LAST,
            )
            rows += broadcast_rows(
                session,
                routing,
                plan,
                row.id,
                HELD_REASON,
                rendered,
                now,
                destinations=destinations,
                known_new=known_new,
            )
    return rows


def told_held(
    session: Session, held: HeldIncident, incident_id: str, rooms: list[str]
) -> dict[str, int]:
    """How many of the other declarations ``held``'s hold still holds each room heard of."""
    others = select(HeldIncident.incident_id).where(
        HeldIncident.hold_kind == held.hold_kind,
        HeldIncident.hold_name == held.hold_name,
        HeldIncident.mode == DECLARATION,
        HeldIncident.released_at.is_(None),
        HeldIncident.incident_id != incident_id,
    )
    counted = session.execute(
        select(Delivery.kind, func.count())
        .where(
            Delivery.reason == HELD_REASON,
            Delivery.kind.in_(rooms),
            Delivery.incident_id.in_(others),
        )
        .group_by(Delivery.kind)
    )
    return dict(counted.all())
