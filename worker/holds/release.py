"""Releasing what nothing holds any more: run by the beat's scan, before the timers.

Every scan reads the unreleased ``held_incidents`` rows (a page of them at a time, a few
columns of each and of its incident: never its plan), gathers the holds active now
(:func:`muster.worker.holds.current.holds_at`) and asks the core
(:func:`muster.worker.core.decisions.release.release`) what each row's release does. No end time
is trusted: a hold that ended early releases as one that reached its end.

Nothing is locked to decide. A release is claimed by a conditional ``UPDATE … WHERE
released_at IS NULL`` (one for the page of rows) in the transaction that then writes its
pages and arms its timers, so two beats, a redelivered scan or a beat killed at the end
instant release each incident once: a second scanner's update waits for the first's commit
and then matches nothing. Incidents released together fold into one digest per person and
contact kind (:func:`muster.worker.deliveries.storm.hold_for_digest`), sent by the same scan's
digests.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, cast

import structlog
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from muster.worker.core.config.maintenance import OnEnd
from muster.worker.core.decisions.holds import Hold, Subject, holding
from muster.worker.core.decisions.release import (
    PAGED,
    RESUMED,
    HeldMode,
    Released,
    covering,
    folded,
)
from muster.worker.core.decisions.release import release as release_of
from muster.worker.core.paging.keys import RELEASED_KIND, released_key, released_reason
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.snapshots import plan_from_data, plan_to_data
from muster.worker.core.rendering.holds import released_text, render_released
from muster.worker.deliveries.rows import NewDelivery, broadcast_rows, insert_new, page_rows
from muster.worker.deliveries.storm import hold_for_digest, write_pages
from muster.worker.holds.current import holds_at
from muster.worker.holds.pause import resume
from muster.worker.holds.release_rooms import Release, fold_room_lines
from muster.worker.observe import metrics
from muster.worker.runtime import Runtime
from muster.worker.store.hold_models import HELD_INCIDENTS, HeldIncident
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Incident, Timer
from muster.worker.store.timeline import NewEntry, add_entries
from muster.worker.timers.arm import arm_incident

log = structlog.get_logger("muster.holds")

PAGE_SIZE = 500  # unreleased rows read per transaction


def release_holds(rt: Runtime) -> list[int]:
    """Release every held incident no active hold covers now; return the deliveries to queue
    (committed)."""
    now = rt.clock.now()
    routing = rt.config.current().routing
    created: list[int] = []
    after = 0
    while True:
        with rt.database.transaction() as session:
            held = [
                Record(*row)
                for row in session.execute(
                    select(*_HELD)
                    .where(HeldIncident.released_at.is_(None), HeldIncident.id > after)
                    .order_by(HeldIncident.id)
                    .limit(PAGE_SIZE)
                )
            ]
            if not held:
                return created
            after = held[-1].id
            decided = _decide(session, held, holds_at(session, routing.config, now), now)
            released = _claim(session, decided, now)
            rows, told = _release(session, routing, released, now)
            deliveries = told + _write_folded(session, routing, rows, now)
            session.flush()
            created += [row.id for row in deliveries]
        for record, outcome in released:  # committed: each release counted once
            metrics.hold_released(record.hold_kind, record.hold_name, outcome)
            log.info(
                "hold.released",
                incident_id=record.incident_id,
                hold=record.hold_kind,
                name=record.hold_name,
                outcome=outcome,
            )
        if len(held) < PAGE_SIZE:
            return created


class Record(NamedTuple):
    """A held row as deciding its release reads it."""

    id: int
    key: str
    incident_id: str
    mode: str
    hold_kind: str
    hold_name: str
    on_end: str


# What deciding a release reads: a few columns, never the incident's plan (every scan reads
# every unreleased row while a window holds a storm).
_HELD = (
    HeldIncident.id,
    HeldIncident.key,
    HeldIncident.incident_id,
    HeldIncident.mode,
    HeldIncident.hold_kind,
    HeldIncident.hold_name,
    HeldIncident.on_end,
)
_FACTS = (
    Incident.id,
    Incident.services,
    Incident.severity,
    Incident.labels,
    Incident.resolved_at,
    Incident.fanned_out,
)


def _decide(
    session: Session, held: list[Record], active: list[Hold], now: datetime
) -> list[tuple[Record, Released]]:
    """What releasing each held row does now (those that stay held left out)."""
    facts = {
        row.id: row
        for row in session.execute(
            select(*_FACTS).where(Incident.id.in_({record.incident_id for record in held}))
        )
    }
    decided = []
    for record in held:
        row = facts.get(record.incident_id)
        if row is None or not row.fanned_out:
            continue  # its declaration's fan-out is not written yet: the next scan
        subject = Subject(tuple(row.services), row.severity, dict(row.labels or {}))
        mode = cast(HeldMode, record.mode)
        still = covering(mode, holding(active, subject, now))
        outcome = release_of(mode, cast(OnEnd, record.on_end), row.resolved_at is None, still)
        if outcome is not None:
            decided.append((record, outcome))
    return decided


def _claim(
    session: Session, decided: list[tuple[Record, Released]], now: datetime
) -> list[tuple[Record, Released]]:
    """Mark the releases nobody marked, in one conditional update: what makes each happen
    once, whatever else scans at the same instant (a second scanner's update waits for this
    transaction, then matches nothing)."""
    if not decided:
        return []
    outcomes = {record.id: outcome for record, outcome in decided}
    claimed = set(
        session.scalars(
            update(HELD_INCIDENTS)
            .where(HELD_INCIDENTS.c.id.in_(outcomes), HELD_INCIDENTS.c.released_at.is_(None))
            .values(released_at=now, outcome=case(outcomes, value=HELD_INCIDENTS.c.id))
            .returning(HELD_INCIDENTS.c.id)
        )
    )
    return [(record, outcome) for record, outcome in decided if record.id in claimed]


def _release(
    session: Session,
    routing: Routing,
    released: list[tuple[Record, Released]],
    now: datetime,
) -> tuple[list[NewDelivery], list[NewDelivery]]:
    """What the claimed releases do: their timeline entries, their page rows (unwritten, to
    fold) and the rooms' lines (written)."""
    add_entries(
        session,
        [
            NewEntry(
                record.incident_id,
                released_key(record.key),
                now,
                RELEASED_KIND,
                None,
                released_text(outcome, record.hold_kind, record.hold_name),
                {"hold": record.hold_kind, "name": record.hold_name, "outcome": outcome},
            )
            for record, outcome in released
        ],
    )
    paging = {record.incident_id: record for record, outcome in released if outcome == PAGED}
    resuming = [record.id for record, outcome in released if outcome == RESUMED]
    for paused in session.scalars(select(HeldIncident).where(HeldIncident.id.in_(resuming))):
        resume(session, paused, now)
    if not paging:
        return [], []
    armed = set(session.scalars(select(Timer.incident_id).where(Timer.incident_id.in_(paging))))
    pages: list[NewDelivery] = []
    told: list[NewDelivery] = []
    releases: dict[str, Release] = {}
    for row in session.scalars(select(Incident).where(Incident.id.in_(paging))):
        record = paging[row.id]
        pages += _page_afresh(session, routing, row, record, now, fresh=row.id not in armed)
        core = core_incident(row)
        releases[row.id] = Release(core, row.severity, record.hold_kind, record.hold_name)
        rendered = render_released(core, row.severity, record.hold_kind, record.hold_name)
        plan = plan_from_data(row.plan)
        reason = released_key(record.key)
        told += broadcast_rows(
            session, routing, plan, row.id, reason, rendered, now, known_new=True, write=False
        )
    return pages, insert_new(session, fold_room_lines(told, releases, now), known_new=True)


def _page_afresh(
    session: Session, routing: Routing, row: Incident, record: Record, now: datetime, fresh: bool
) -> list[NewDelivery]:
    """A held declaration pages as a fresh one would now: planned at this instant (whoever is
    on call now), its escalation, summary and reminder armed from now; its page rows returned
    unwritten (to be folded with the other releases')."""
    core = core_incident(row)
    plan = build_page_plan(routing, core, now, severity=routing.level(row.severity))
    row.plan, row.updated_at = plan_to_data(plan), now
    arm_incident(session, routing, row, plan, now, fresh=fresh)
    reason = released_reason(record.hold_kind, record.hold_name)
    return page_rows(None, routing, core, plan, plan.pages, reason, now, write=False)


def _write_folded(
    session: Session, routing: Routing, rows: list[NewDelivery], now: datetime
) -> list[NewDelivery]:
    """Write the releases' pages: a person paged for several incidents by one kind gets them in
    one digest; the rest are pages like any other. Returns those to send now."""
    pairs = folded(
        (row.incident_id, row.person or "", row.kind)
        for row in rows
        if row.incident_id is not None  # a release's pages: always its incident's
    )
    hold_for_digest(session, [row for row in rows if (row.person or "", row.kind) in pairs], now)
    plain = [row for row in rows if (row.person or "", row.kind) not in pairs]
    return write_pages(session, routing, plain, now)
