"""The incidents ``muster incidents`` and ``GET /v1/incidents`` list: open ones (or all), each
with who was paged and acknowledged, pages held, and its pending escalation timers, read in a
few queries for the whole page of incidents rather than a few per incident."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.worker.core.decisions.timer_state import ESCALATION, PENDING
from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.incident_list import NextStep, OpenIncident, next_step
from muster.worker.store.models import Delivery, Incident, TimelineEntry, Timer

RESOLVED = "resolved"  # the state an incident ends in (the contract's last)
LISTED = 200  # the most incidents one listing shows, newest first


@dataclass(frozen=True, slots=True)
class Wanted:
    """Which incidents to list: open ones unless ``everything``; each filter when given."""

    everything: bool = False
    state: str | None = None
    severity: str | None = None
    service: str | None = None
    since: datetime | None = None


def open_incidents(session: Session, routing: Routing, wanted: Wanted) -> list[OpenIncident]:
    """The incidents ``wanted`` names, newest first (at most :data:`LISTED`)."""
    query = select(Incident).order_by(Incident.declared_at.desc(), Incident.id)
    if not wanted.everything and wanted.state != RESOLVED:
        query = query.where(Incident.state != RESOLVED)
    if wanted.state is not None:
        query = query.where(Incident.state == wanted.state)
    if wanted.severity is not None:
        query = query.where(Incident.severity == wanted.severity)
    if wanted.since is not None:
        query = query.where(Incident.declared_at >= wanted.since)
    if wanted.service is None:
        query = query.limit(LISTED)
    # Services are a JSON list: matched here, alike on every database.
    rows = [
        row
        for row in session.scalars(query)
        if wanted.service is None or wanted.service in (row.services or [])
    ][:LISTED]
    ids = [row.id for row in rows]
    if not ids:
        return []
    paged = _first_by_person(
        session.execute(
            select(Delivery.incident_id, Delivery.person, func.min(Delivery.created_at))
            .where(
                Delivery.incident_id.in_(ids),
                Delivery.purpose == DeliveryPurpose.PAGE,
                Delivery.person.is_not(None),
            )
            .group_by(Delivery.incident_id, Delivery.person)
        )
    )
    acknowledged = _first_by_person(
        session.execute(
            select(TimelineEntry.incident_id, TimelineEntry.actor, func.min(TimelineEntry.at))
            .where(
                TimelineEntry.incident_id.in_(ids),
                TimelineEntry.kind == "acknowledged",
                TimelineEntry.actor.is_not(None),
            )
            .group_by(TimelineEntry.incident_id, TimelineEntry.actor)
        )
    )
    held: dict[str, list[str]] = {}
    for incident_id, person in session.execute(
        select(Delivery.incident_id, Delivery.person)
        .where(Delivery.incident_id.in_(ids), Delivery.status == DeliveryStatus.HELD)
        .distinct()
        .order_by(Delivery.person)
    ):
        if incident_id is not None:  # selected by incident: always
            held.setdefault(incident_id, []).append(person or "")
    severities = {row.id: row.severity for row in rows}
    steps: dict[str, list[NextStep]] = {}
    for timer in session.scalars(
        select(Timer)
        .where(Timer.incident_id.in_(ids), Timer.kind == ESCALATION, Timer.state == PENDING)
        .order_by(Timer.due_at, Timer.id)
    ):
        step = next_step(routing, severities[timer.incident_id], timer.data, timer.due_at)
        steps.setdefault(timer.incident_id, []).append(step)
    return [
        OpenIncident(
            id=row.id,
            title=row.title,
            severity=row.severity,
            services=tuple(row.services or ()),
            state=row.state,
            declared_at=row.declared_at,
            resolved_at=row.resolved_at,
            paged=tuple(paged.get(row.id, ())),
            acknowledged=tuple(acknowledged.get(row.id, ())),
            held=tuple(held.get(row.id, ())),
            next_steps=tuple(steps.get(row.id, ())),
        )
        for row in rows
    ]


def _first_by_person(rows: Iterable[Any]) -> dict[str, list[tuple[str, datetime]]]:
    """(incident, person, first at) rows → incident → [(person, at)], earliest first."""
    found: dict[str, list[tuple[str, datetime]]] = {}
    for incident_id, person, at in rows:
        found.setdefault(incident_id, []).append((person, at))
    for entries in found.values():
        entries.sort(key=lambda entry: (entry[1], entry[0]))
    return found
