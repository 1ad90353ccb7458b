"""The scan: fire every due timer, a locked batch at a time.

Each batch is taken under row locks (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent
scanners take disjoint batches; SQLite has one writer at a time) and fired in that transaction,
which moves each timer's ``due_at`` on with the pages it decided. Two scanners, a redelivered
scan task or a crash mid-scan therefore never fire a step twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.decisions.timer_state import CANCELLED, ESCALATION, PENDING, SUMMARY
from muster.worker.core.paging.routing import Routing
from muster.worker.deliveries.rows import NewDelivery
from muster.worker.deliveries.storm import write_pages
from muster.worker.observe import metrics
from muster.worker.runtime import Runtime
from muster.worker.store.models import Incident, Timer
from muster.worker.timers.digest import fire_digests
from muster.worker.timers.escalation import fire_escalation
from muster.worker.timers.reminder import fire_reminder
from muster.worker.timers.silences import announce_silences
from muster.worker.timers.summary import fire_summary
from muster.worker.timers.windows import announce_windows

log = structlog.get_logger("muster.timers")


def scan(rt: Runtime, batch: int = 100, limit: int = 2_000) -> list[int]:
    """Fire every due timer; return the deliveries to queue (each batch committed first).

    Timers are taken a batch at a time under row locks (``SKIP LOCKED`` on PostgreSQL, so
    concurrent scanners take disjoint batches; SQLite has one writer at a time) and fired in that
    transaction (one savepoint for the batch, one each if any fails): a timer that fails is put
    off a minute and logged, and the rest of the batch goes on. How late each timer was taken
    is observed once its batch commits (``muster_timer_lateness_seconds``).
    """
    now = rt.clock.now()
    routing = rt.config.current().routing
    created: list[int] = []
    fired = 0
    while fired < limit:
        with rt.database.transaction() as session:
            query = (
                select(Timer)
                .where(Timer.state == PENDING, Timer.due_at <= now)
                .order_by(Timer.due_at, Timer.id)
                .limit(batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            timers = list(session.scalars(query))
            taken = [(timer.kind, (now - timer.due_at).total_seconds()) for timer in timers]
            rows = _fire_batch(session, routing, timers, now)
            session.flush()
            ids = [row.id for row in rows]
        for kind, late in taken:  # committed: each timer is counted once, by the scan that took it
            metrics.timer_taken(kind, late)
        created += ids
        fired += len(timers)
        if len(timers) < batch:
            break
    # Escalations first: a page they hold joins a digest due now rather than the next one.
    digests = fire_digests(rt, batch)
    # Then the holds' announcements to the rooms and their authors, each claimed once.
    return created + digests + announce_silences(rt) + announce_windows(rt)


def _fire_batch(
    session: Session, routing: Routing, timers: list[Timer], now: datetime
) -> list[NewDelivery]:
    """Fire a batch under one savepoint; if any timer fails, again one savepoint per timer.

    A savepoint per timer costs two statements each and stops the unit of work batching the
    timers' writes together; failures are rare, so the batch goes first and only a failed
    batch pays for finding the timer that failed.
    """
    # Load the batch's incidents at once and hold them: the session's identity map holds its
    # objects weakly, so each timer would otherwise load its incident (and decode its plan) anew.
    if not timers:
        return []
    incidents = list(  # noqa: F841 - held for the identity map, not read
        session.scalars(
            select(Incident).where(Incident.id.in_({timer.incident_id for timer in timers}))
        )
    )
    try:
        with session.begin_nested():
            rows: list[NewDelivery] = []
            for timer in timers:
                rows += fire(session, routing, timer, now)
            return write_pages(session, routing, rows, now, known_new=True)
    except Exception:  # noqa: BLE001 - the timers are fired again, one by one, below
        log.warning("timer.batch_failed", timers=len(timers))
    rows = []
    for timer in timers:
        rows += _fire_safely(session, routing, timer, now)
    return rows


def _fire_safely(
    session: Session, routing: Routing, timer: Timer, now: datetime
) -> list[NewDelivery]:
    try:
        with session.begin_nested():
            rows = fire(session, routing, timer, now)
            return write_pages(session, routing, rows, now, known_new=True)
    except Exception as failure:  # one bad timer must not stop the others
        log.exception(
            "timer.failed",
            incident_id=timer.incident_id,
            timer=timer.key,
            error=type(failure).__name__,
        )
        timer.due_at, timer.updated_at = now + timedelta(minutes=1), now
        return []


def fire(session: Session, routing: Routing, timer: Timer, now: datetime) -> list[NewDelivery]:
    """Fire one due timer (already locked by the caller's transaction); the delivery rows it
    decided are returned unwritten: the caller writes a batch's rows at once."""
    row = session.get(Incident, timer.incident_id)
    if row is None or row.resolved_at is not None:
        timer.state, timer.updated_at = CANCELLED, now
        return []
    timer.fired += 1
    timer.updated_at = now
    if timer.kind == ESCALATION:
        return fire_escalation(session, routing, row, timer, now)
    if timer.kind == SUMMARY:
        return fire_summary(session, routing, row, timer, now)
    return fire_reminder(session, routing, row, timer, now)
