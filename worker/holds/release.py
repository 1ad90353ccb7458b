"""Releasing what nothing holds any more: run by the beat's scan, before the timers.

Every scan reads the unreleased ``held_incidents`` rows (a page of them at a time, locked ``FOR
UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's one writer elsewhere), gathers the holds active now
(:func:`muster.worker.holds.current.holds_at`) and asks the core
(:func:`muster.worker.core.decisions.release.release`) what each row's release does. No end time
is trusted: a hold that ended early releases as one that reached its end.

A release is claimed by a conditional ``UPDATE … WHERE released_at IS NULL`` in the transaction
that writes its pages and arms its timers, so two beats, a redelivered scan or a beat killed at
the end instant release each incident once. Incidents released together fold into one digest
per person and contact kind (:func:`muster.worker.deliveries.storm.hold_for_digest`), sent by
the same scan's digests.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from muster.worker.core.config.maintenance import OnEnd
from muster.worker.core.decisions.holds import Hold, holding
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
from muster.worker.deliveries.rows import NewDelivery, broadcast_rows, page_rows
from muster.worker.deliveries.storm import hold_for_digest, write_pages
from muster.worker.holds.current import holds_at
from muster.worker.holds.declaration import subject_of
from muster.worker.holds.pause import resume
from muster.worker.observe import metrics
from muster.worker.runtime import Runtime
from muster.worker.store.hold_models import HELD_INCIDENTS, HeldIncident
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Incident
from muster.worker.store.timeline import add_entry
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
            query = (
                select(HeldIncident)
                .where(HeldIncident.released_at.is_(None), HeldIncident.id > after)
                .order_by(HeldIncident.id)
                .limit(PAGE_SIZE)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            held = list(session.scalars(query))
            if not held:
                return created
            after = held[-1].id
            active = holds_at(session, routing.config, now)
            released, rows, told = _release_page(session, routing, held, active, now)
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


def _release_page(
    session: Session, routing: Routing, held: list[HeldIncident], active: list[Hold], now: datetime
) -> tuple[list[tuple[HeldIncident, Released]], list[NewDelivery], list[NewDelivery]]:
    """Decide and claim the releases of a page of held rows: what was released, their page
    rows (unwritten, to fold) and the rooms' lines (written)."""
    incidents = {
        row.id: row
        for row in session.scalars(
            select(Incident).where(Incident.id.in_({record.incident_id for record in held}))
        )
    }
    released: list[tuple[HeldIncident, Released]] = []
    pages: list[NewDelivery] = []
    told: list[NewDelivery] = []
    for record in held:
        row = incidents.get(record.incident_id)
        if row is None or not row.fanned_out:
            continue  # its declaration's fan-out is not written yet: the next scan
        mode = cast(HeldMode, record.mode)
        still = covering(mode, holding(active, subject_of(core_incident(row), row.severity), now))
        outcome = release_of(mode, cast(OnEnd, record.on_end), row.resolved_at is None, still)
        if outcome is None or not _claim(session, record, outcome, now):
            continue
        add_entry(
            session,
            incident_id=row.id,
            key=released_key(record.key),
            at=now,
            kind=RELEASED_KIND,
            text=released_text(outcome, record.hold_kind, record.hold_name),
            data={"hold": record.hold_kind, "name": record.hold_name, "outcome": outcome},
        )
        if outcome == PAGED:
            pages += _page_afresh(session, routing, row, record, now)
            rendered = render_released(
                core_incident(row), row.severity, record.hold_kind, record.hold_name
            )
            plan = plan_from_data(row.plan)
            reason = released_key(record.key)
            told += broadcast_rows(session, routing, plan, row.id, reason, rendered, now)
        elif outcome == RESUMED:
            resume(session, record, now)
        released.append((record, outcome))
    return released, pages, told


def _claim(session: Session, record: HeldIncident, outcome: Released, now: datetime) -> bool:
    """Mark the release, if nobody did: the conditional update that makes it happen once."""
    claimed = session.execute(
        update(HELD_INCIDENTS)
        .where(HELD_INCIDENTS.c.id == record.id, HELD_INCIDENTS.c.released_at.is_(None))
        .values(released_at=now, outcome=outcome)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0) == 1)


def _page_afresh(
    session: Session, routing: Routing, row: Incident, record: HeldIncident, now: datetime
) -> list[NewDelivery]:
    """A held declaration pages as a fresh one would now: planned at this instant (whoever is
    on call now), its escalation, summary and reminder armed from now; its page rows returned
    unwritten (to be folded with the other releases')."""
    core = core_incident(row)
    plan = build_page_plan(routing, core, now, severity=routing.level(row.severity))
    row.plan, row.updated_at = plan_to_data(plan), now
    arm_incident(session, routing, row, plan, now, fresh=False)
    reason = released_reason(record.hold_kind, record.hold_name)
    return page_rows(None, routing, core, plan, plan.pages, reason, now, write=False)


def _write_folded(
    session: Session, routing: Routing, rows: list[NewDelivery], now: datetime
) -> list[NewDelivery]:
    """Write the releases' pages: a person paged for several incidents by one kind gets them in
    one digest; the rest are pages like any other. Returns those to send now."""
    pairs = folded((row.incident_id, row.person or "", row.kind) for row in rows)
    hold_for_digest(session, [row for row in rows if (row.person or "", row.kind) in pairs], now)
    plain = [row for row in rows if (row.person or "", row.kind) not in pairs]
    return write_pages(session, routing, plain, now)
