"""Maintenance windows on ``rt``, and what they held: the hold tests' vocabulary.

``hold(rt, ...)`` rewrites the runtime's config file (the demo) with windows added, served from
the next read on, as an ops edit would be; the readers say what the database holds afterwards.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml
from sqlalchemy import select

from muster.worker.heartbeats.scan import scan_heartbeats
from muster.worker.holds.scan import scan_holds
from muster.worker.runtime import Runtime
from muster.worker.store.hold_models import HeldIncident
from muster.worker.store.models import Delivery, TimelineEntry, Timer
from muster.worker.timers.scan import scan
from tests.harness.configs import DEMO
from tests.harness.runtimes import clock, serve_config
from tests.harness.timer_runs import MINUTE

# The demo at WEDNESDAY_NOON (2026-11-25 12:00, Dublin on GMT): a window from 11:00 to 13:00.
SEARCH_WINDOW: dict[str, Any] = {
    "reason": "Weekly search reindex",
    "scope": {"services": ["search"]},
    "start": "2026-11-25T11:00",
    "end": "2026-11-25T13:00",
}
ENDS_IN = 60  # minutes from WEDNESDAY_NOON to the window's end

# Search slow (major × medium: a SEV2 with the demo config, paging four people by sms and chat,
# escalating after 10 minutes); no fingerprint, so each id is an incident of its own.
SEARCH_SEV2: dict[str, Any] = {
    "incident_id": "inc-s1",
    "title": "Search slow",
    "impact": "major",
    "urgency": "medium",
    "services": ["search"],
}


def hold(
    rt: Runtime, *, heartbeats: dict[str, Any] | None = None, **windows: dict[str, Any]
) -> None:
    """Serve the demo config with exactly these maintenance ``windows`` (none: no window), and
    these ``heartbeats`` monitors if given."""
    document = yaml.safe_load(DEMO.read_text())
    if windows:
        document["maintenance"] = {"windows": windows}
    if heartbeats:
        document["heartbeats"] = heartbeats
    serve_config(rt, document)


def beat_for(rt: Runtime, minutes: int) -> None:
    """Advance the clock a minute at a time, running the whole scan as the beat's task does:
    holds, timers (with their digests), then heartbeat monitors."""
    for _ in range(minutes):
        clock(rt).advance(MINUTE)
        scan_holds(rt)
        scan(rt)
        scan_heartbeats(rt)


def deliveries(rt: Runtime, **where: Any) -> list[Delivery]:
    """Delivery rows with these column values, in the order written."""
    with rt.database.transaction() as session:
        query = select(Delivery).order_by(Delivery.id)
        for column, value in where.items():
            query = query.where(getattr(Delivery, column) == value)
        return list(session.scalars(query))


def paged(rt: Runtime, incident_id: str) -> Counter[tuple[str | None, str]]:
    """How many pages each (person, kind) has for ``incident_id``."""
    return Counter(
        (row.person, row.kind) for row in deliveries(rt, incident_id=incident_id, purpose="page")
    )


def entries(rt: Runtime, incident_id: str, kind: str) -> list[TimelineEntry]:
    """The incident's timeline entries of ``kind``."""
    with rt.database.transaction() as session:
        return list(
            session.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.incident_id == incident_id, TimelineEntry.kind == kind)
                .order_by(TimelineEntry.id)
            )
        )


def timers_of(rt: Runtime, incident_id: str) -> dict[str, tuple[str, Any]]:
    """The incident's timers by key: (state, due_at)."""
    with rt.database.transaction() as session:
        rows = session.scalars(select(Timer).where(Timer.incident_id == incident_id))
        return {row.key: (row.state, row.due_at) for row in rows}


def held_rows(rt: Runtime) -> list[HeldIncident]:
    """Every held_incidents row, in the order written."""
    with rt.database.transaction() as session:
        return list(session.scalars(select(HeldIncident).order_by(HeldIncident.id)))
