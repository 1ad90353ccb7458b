"""Recording what was sent: the sent ones of a group together, each failure with its fallback.

A page sent but not recorded would be sent again when its lease ends, so a recording
transaction that meets a connection the database dropped is run once more. Each outcome is
counted once recorded (:mod:`muster.worker.observe.metrics`), and the first page of an incident
marks it (``first_paged_at``, set once whichever worker records it) for the declaration-to-first
-page latency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import structlog
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from muster.channels.sender import SendResult
from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.core.paging.keys import delivery_entry_key
from muster.worker.core.paging.routing import Routing
from muster.worker.deliveries.claim import Claimed
from muster.worker.deliveries.fallback import fallback
from muster.worker.deliveries.unreachable import given_up
from muster.worker.observe import metrics
from muster.worker.runtime import Runtime
from muster.worker.store.db import Database
from muster.worker.store.models import (
    DELIVERIES,
    DELIVERY_ATTEMPTS,
    INCIDENTS,
    Delivery,
    DeliveryAttempt,
)
from muster.worker.store.timeline import NewEntry, add_entries, add_entry

log = structlog.get_logger("muster.delivery")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Attempt:
    """One send's result, with when it started."""

    at: datetime
    result: SendResult


Sent = tuple[list[Attempt], SendResult]  # a delivery's attempts, and how it ended


def record(rt: Runtime, routing: Routing, finished: list[tuple[Claimed, Sent]]) -> list[int]:
    """Record finished deliveries: the sent ones together, each failure with its fallback."""
    sent = [(row, attempts) for row, (attempts, result) in finished if result.ok]
    if sent:
        try:
            _reconnecting(partial(_record_sent, rt, sent))
        except IntegrityError:
            # A send stuck past its lease was taken over, sent and recorded by another worker
            # (its keyed timeline entry exists): that record stands; this late one is a duplicate.
            for row, attempts in sent:
                row.logger().warning("delivery.recorded_elsewhere", attempts=len(attempts))
        else:
            for row, _ in sent:
                metrics.delivered(row.purpose, row.kind, ok=True)
            _first_pages(rt, (row for row, _ in sent if row.purpose == DeliveryPurpose.PAGE))
    follow_ups: list[int] = []
    for row, (attempts, result) in finished:
        if not result.ok:
            follow_ups += _reconnecting(
                partial(_record_failure, rt, routing, row.id, attempts, result, row.logger())
            )
            metrics.delivered(row.purpose, row.kind, ok=False)
    return follow_ups


# Incidents this process knows are first-paged already, per database: most pages are not an
# incident's first, and need no statement to find out.
_first_paged: WeakKeyDictionary[Database, set[str]] = WeakKeyDictionary()
_FIRST_PAGED_KEPT = 10_000


def _first_pages(rt: Runtime, pages: Iterable[Claimed]) -> None:
    """Mark incidents whose first page these are, and observe how long each took: from the
    declaration's first commit (its first delivery's creation) to now. A statement of its own
    after the record's commit (taking the incident's row lock there could deadlock with a
    handler holding it), once per incident per process; a failure only loses the sample."""
    known = _first_paged.setdefault(rt.database, set())
    incidents = {row.incident_id for row in pages if row.incident_id is not None} - known
    if not incidents:
        return
    now = rt.clock.now()
    try:
        with rt.database.transaction() as session:
            firsts = list(
                session.scalars(
                    update(INCIDENTS)
                    .where(INCIDENTS.c.id.in_(incidents), INCIDENTS.c.first_paged_at.is_(None))
                    .values(first_paged_at=now)
                    .returning(INCIDENTS.c.id)
                )
            )
            received = (
                list(
                    session.scalars(
                        select(func.min(DELIVERIES.c.created_at))
                        .where(DELIVERIES.c.incident_id.in_(firsts))
                        .group_by(DELIVERIES.c.incident_id)
                    )
                )
                if firsts
                else []
            )
    except Exception as failure:  # noqa: BLE001 - a metric must not fail a recorded send
        log.warning("delivery.first_page_unmarked", error=type(failure).__name__)
        return
    if len(known) > _FIRST_PAGED_KEPT:
        known.clear()
    known.update(incidents)
    for at in received:
        metrics.first_page((now - at).total_seconds())


def _reconnecting(record: Callable[[], R]) -> R:
    """Run a recording transaction, once more if the server had dropped its connection.

    Pooled connections are not pinged before use (a round trip per transaction); after a
    database restart the first use of each fails as invalidated. Losing the record of pages
    already sent would have them sent again when their lease ends, so it is retried here.
    """
    try:
        return record()
    except DBAPIError as failure:
        if not failure.connection_invalidated:
            raise
        log.warning("database.reconnected", error=type(failure.orig).__name__)
        return record()


def _record_sent(rt: Runtime, sent: list[tuple[Claimed, list[Attempt]]]) -> None:
    """Mark pages sent, with their attempts and timeline entries: a few statements in all."""
    now = rt.clock.now()
    by_count: dict[int, list[int]] = {}
    for row, attempts in sent:
        by_count.setdefault(len(attempts), []).append(row.id)
    with rt.database.transaction() as session:
        for count, ids in by_count.items():
            session.execute(
                update(DELIVERIES)
                .where(DELIVERIES.c.id.in_(ids))
                .values(
                    status=DeliveryStatus.SENT,
                    attempts=DELIVERIES.c.attempts + count,
                    finished_at=now,
                    lease_until=None,
                    last_error=None,
                )
            )
        session.execute(
            insert(DELIVERY_ATTEMPTS),
            [_attempt_values(row.id, attempt) for row, attempts in sent for attempt in attempts],
        )
        add_entries(
            session,
            [
                NewEntry(
                    incident_id,
                    delivery_entry_key(row.id, f"{row.purpose}_sent", row.attempts + len(attempts)),
                    now,
                    f"{row.purpose}_sent",
                    row.person,
                    f"{row.kind} to {row.person or row.kind}",
                    {"delivery_id": row.id, "kind": row.kind, "reason": row.reason},
                )
                for row, attempts in sent
                if (incident_id := row.incident_id) is not None  # else its row is its record
            ],
        )
    for row, attempts in sent:
        row.logger().info(f"{row.purpose}.sent", attempts=len(attempts))


def _attempt_values(delivery_id: int, attempt: Attempt) -> dict[str, Any]:
    result = attempt.result
    return {
        "delivery_id": delivery_id,
        "at": attempt.at,
        "outcome": "sent" if result.ok else ("retryable" if result.retryable else "permanent"),
        "error": result.error,
        "duration_ms": result.duration_ms,
    }


def _record_failure(
    rt: Runtime,
    routing: Routing,
    delivery_id: int,
    attempts: list[Attempt],
    result: SendResult,
    bound: structlog.stdlib.BoundLogger,
) -> tuple[int, ...]:
    """Record a delivery that failed for good, and add its fallback delivery if any; with none
    left, :func:`given_up` tells whoever must hear it (the notice's rows are follow-ups)."""
    now = rt.clock.now()
    follow_ups: list[int] = []
    with rt.database.transaction() as session:
        row = session.get(Delivery, delivery_id)
        if row is None:
            return ()
        session.add_all(DeliveryAttempt(**_attempt_values(row.id, a)) for a in attempts)
        row.attempts += len(attempts)
        row.finished_at = now
        row.lease_until = None
        what = row.purpose
        row.status = DeliveryStatus.FAILED
        row.last_error = result.error
        if row.incident_id is not None:  # else the row and its attempts are the record
            add_entry(
                session,
                row.incident_id,
                delivery_entry_key(row.id, f"{what}_failed", row.attempts),
                now,
                f"{what}_failed",
                row.person,
                result.error or "failed",
                {"delivery_id": row.id, "kind": row.kind, "reason": row.reason},
            )
        bound.error(f"{what}.failed", attempts=len(attempts), error=result.error)
        fallback_row = fallback(session, routing, row, now) if row.person is not None else None
        if fallback_row is not None:
            follow_ups.append(fallback_row.id)
            bound.warning("page.fallback", to_kind=fallback_row.kind, fallback_id=fallback_row.id)
        else:
            follow_ups += given_up(session, routing, row, now, bound)
    return tuple(follow_ups)
