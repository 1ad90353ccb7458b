"""Sending recorded deliveries, a batch at a time, and finding the ones a crash left behind.

A batch is claimed with a lease in one conditional UPDATE (so two workers holding the same task
cannot both send a delivery), its sends run concurrently with bounded retries each, and what
finished is recorded in a second transaction: attempts, outcome, timeline, and — for a page that
still failed — a new delivery by the next contact kind along the person's fallback chain. Batching
is what makes a large fan-out cheap: a SEV1's sixty pages cost a few statements and a few broker
messages, not hundreds. The sweeper re-enqueues rows whose lease expired.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import structlog
from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from muster.channels.retry import send_with_retry
from muster.channels.sender import SendResult
from muster.channels.targets import target_url
from muster.worker.core.masking import mask_text
from muster.worker.core.plan import ContactRoute, PlannedPage
from muster.worker.core.render import RenderedMessage, render_page
from muster.worker.core.routing import Routing
from muster.worker.core.snapshots import page_from_data, page_to_data, plan_from_data
from muster.worker.delivery_rows import NewDelivery, broadcast_url, core_incident
from muster.worker.runtime import Runtime
from muster.worker.store.models import (
    DELIVERIES,
    DELIVERY_ATTEMPTS,
    TIMELINE,
    Delivery,
    DeliveryAttempt,
    Incident,
    TimelineEntry,
)

log = structlog.get_logger("muster.delivery")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Attempt:
    """One send's result, with when it started."""

    at: datetime
    result: SendResult


def run_delivery(rt: Runtime, delivery_id: int) -> tuple[int, ...]:
    """Send delivery ``delivery_id`` if nobody else holds it; return follow-up deliveries."""
    return run_batch(rt, [delivery_id])


def run_batch(rt: Runtime, delivery_ids: Sequence[int]) -> tuple[int, ...]:
    """Send the deliveries of ``delivery_ids`` nobody else holds, at once; return follow-ups.

    One statement claims the whole batch; the sends run concurrently on the runtime's fan-out,
    each with its own retries; what finished together is recorded in one transaction. A page
    that still failed gets its fallback delivery, returned for the caller to queue.
    """
    now = rt.clock.now()
    with rt.database.transaction() as session:
        claimed = _claim(session, rt, delivery_ids, now)
    return send_claimed(rt, claimed)


def send_claimed(rt: Runtime, claimed: Sequence[Claimed]) -> tuple[int, ...]:
    """Send deliveries this worker holds the lease of, at once; record them; return follow-ups."""
    if not claimed:
        return ()
    routing = rt.config.current().routing
    jobs = [partial(_send, rt, routing, row) for row in claimed]
    follow_ups: list[int] = []
    for group in rt.fanout.run(jobs):
        follow_ups += _record(rt, routing, [(claimed[i], sent) for i, sent in group])
    return tuple(follow_ups)


@dataclass(frozen=True, slots=True)
class Claimed:
    """What sending a claimed delivery needs, read by the claim itself."""

    id: int
    incident_id: str
    purpose: str
    reason: str
    kind: str
    person: str | None
    title: str
    body: str
    body_format: str
    attempts: int

    @classmethod
    def written(cls, row: NewDelivery) -> Claimed:
        """A row its writer claimed as it wrote it (``sending_until``), to send it at once."""
        return cls(
            row.id,
            row.incident_id,
            row.purpose,
            row.reason,
            row.kind,
            row.person,
            row.title,
            row.body,
            row.body_format,
            0,
        )

    def logger(self) -> structlog.stdlib.BoundLogger:
        """The delivery logger bound to this delivery (no address: people by their key)."""
        bound: structlog.stdlib.BoundLogger = log.bind(
            incident_id=self.incident_id,
            delivery_id=self.id,
            purpose=self.purpose,
            kind=self.kind,
            person=self.person,
        )
        return bound


_CLAIMED_COLUMNS = tuple(DELIVERIES.c[name] for name in Claimed.__slots__)


def _claim(
    session: Session, rt: Runtime, delivery_ids: Sequence[int], now: datetime
) -> list[Claimed]:
    """Take the deliveries for this worker for ``rt.lease``, except those someone else holds."""
    rows = session.execute(
        update(DELIVERIES)
        .where(
            DELIVERIES.c.id.in_(list(delivery_ids)),
            or_(
                DELIVERIES.c.status == "pending",
                (DELIVERIES.c.status == "sending") & (DELIVERIES.c.lease_until < now),
            ),
        )
        .values(status="sending", lease_until=now + rt.lease)
        .returning(*_CLAIMED_COLUMNS)
    )
    claimed = [Claimed(*row) for row in rows]
    order = {delivery_id: index for index, delivery_id in enumerate(delivery_ids)}
    claimed.sort(key=lambda row: order.get(row.id, 0))
    return claimed


Sent = tuple[list[Attempt], SendResult]


def _send(rt: Runtime, routing: Routing, row: Claimed) -> Sent:
    """One delivery's sends (retries included), with results masked before anyone keeps them."""
    url, missing = _destination(routing, row)
    if url is None:
        failure = SendResult(ok=False, retryable=False, error=missing)
        return [Attempt(rt.clock.now(), failure)], failure
    attempts: list[Attempt] = []

    def record(outcome: SendResult) -> None:
        attempts.append(Attempt(rt.clock.now(), outcome))

    message = RenderedMessage(title=row.title, body=row.body, body_format=row.body_format)
    try:
        result = send_with_retry(
            rt.sender, url, message, rt.retry, sleep=rt.sleep, on_attempt=record
        )
    except Exception as failure:  # noqa: BLE001 - a sender bug must not lose the rest of the batch
        row.logger().exception("delivery.sender_crashed")
        result = SendResult(ok=False, retryable=False, error=f"internal: {type(failure).__name__}")
        attempts.append(Attempt(rt.clock.now(), result))
    private = routing.private_values | {url}
    return [Attempt(a.at, _masked(a.result, private)) for a in attempts], _masked(result, private)


def _record(rt: Runtime, routing: Routing, finished: list[tuple[Claimed, Sent]]) -> list[int]:
    """Record finished deliveries: the sent ones together, each failure with its fallback."""
    sent = [(row, attempts) for row, (attempts, result) in finished if result.ok]
    if sent:
        _reconnecting(partial(_record_sent, rt, sent))
    follow_ups: list[int] = []
    for row, (attempts, result) in finished:
        if not result.ok:
            follow_ups += _reconnecting(
                partial(_record_failure, rt, routing, row.id, attempts, result, row.logger())
            )
    return follow_ups


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
                    status="sent",
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
        session.execute(
            insert(TIMELINE),
            [
                {
                    "incident_id": row.incident_id,
                    "key": f"delivery:{row.id}:{row.purpose}_sent:{row.attempts + len(attempts)}",
                    "at": now,
                    "kind": f"{row.purpose}_sent",
                    "actor": row.person,
                    "text": f"{row.kind} to {row.person or row.kind}",
                    "data": {"delivery_id": row.id, "kind": row.kind, "reason": row.reason},
                }
                for row, attempts in sent
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


def _masked(result: SendResult, private: frozenset[str] | set[str]) -> SendResult:
    """The result with addresses and secrets masked out of its error, before it is stored."""
    if result.error is None:
        return result
    return replace(result, error=mask_text(result.error, private))


def _destination(routing: Routing, row: Claimed) -> tuple[str | None, str]:
    if row.purpose == "broadcast":
        url = broadcast_url(routing, row.kind)
        return url, f"config-missing: broadcast destination {row.kind!r} is no longer configured"
    person = row.person or ""
    if person not in routing.config.people:
        return None, f"config-missing: person {person!r} is no longer in the config"
    if row.kind not in routing.config.people[person].addresses:
        return None, f"config-missing: {person!r} has no {row.kind} address any more"
    if row.kind not in routing.config.contacts.templates:
        return None, f"config-missing: no contact template for {row.kind!r}"
    return target_url(routing, person, row.kind), ""


def _record_failure(
    rt: Runtime,
    routing: Routing,
    delivery_id: int,
    attempts: list[Attempt],
    result: SendResult,
    bound: structlog.stdlib.BoundLogger,
) -> tuple[int, ...]:
    """Record a delivery that failed for good, and add its fallback delivery if any."""
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
        row.status = "failed"
        row.last_error = result.error
        session.add(_entry(row, f"{what}_failed", now, result.error or "failed"))
        bound.error(f"{what}.failed", attempts=len(attempts), error=result.error)
        if row.person is not None:
            fallback = _fallback(session, routing, row, now)
            if fallback is not None:
                follow_ups.append(fallback.id)
                bound.warning("page.fallback", to_kind=fallback.kind, fallback_id=fallback.id)
            else:
                session.add(
                    _entry(
                        row,
                        "page_undeliverable",
                        now,
                        f"no contact kind left to reach {row.person}",
                    )
                )
                bound.error("page.undeliverable")
    return tuple(follow_ups)


def _entry(row: Delivery, kind: str, at: datetime, text: str) -> TimelineEntry:
    return TimelineEntry(
        incident_id=row.incident_id,
        key=f"delivery:{row.id}:{kind}:{row.attempts}",
        at=at,
        kind=kind,
        actor=row.person,
        text=text,
        data={"delivery_id": row.id, "kind": row.kind, "reason": row.reason},
    )


def _fallback(session: Session, routing: Routing, row: Delivery, now: datetime) -> Delivery | None:
    """A new delivery by the next kind along the fallback chain that can reach the person."""
    person = row.person or ""
    if person not in routing.config.people or row.page is None:
        return None
    chain = routing.fallback_chain(row.kind)
    addresses = routing.config.people[person].addresses
    templates = routing.config.contacts.templates
    incident = session.get(Incident, row.incident_id)
    if incident is None:
        return None
    for kind in chain[1:]:
        if kind not in addresses or kind not in templates:
            continue
        key = f"{row.incident_id}:{row.purpose}:{person}:{kind}:{row.reason}"
        taken = session.scalar(select(Delivery.status).where(Delivery.key == key))
        if taken is not None and taken != "failed":
            return None  # that kind is already reaching them for this reason
        if taken is not None:
            continue
        page = page_from_data(row.page)
        contacts = (ContactRoute(kind=kind, requested=row.requested_kind or row.kind),)
        page = PlannedPage(page.person, page.name, page.assignments, contacts, page.unreachable)
        rendered = (
            render_page(kind, routing, core_incident(incident), plan_from_data(incident.plan), page)
            if row.purpose == "page"
            else RenderedMessage(title=row.title, body=row.body, body_format=row.body_format)
        )
        fallback = Delivery(
            key=key,
            incident_id=row.incident_id,
            purpose=row.purpose,
            reason=row.reason,
            person=person,
            kind=kind,
            requested_kind=row.requested_kind,
            page=page_to_data(page),
            title=rendered.title,
            body=rendered.body,
            body_format=rendered.body_format,
            status="pending",
            fallback_of=row.id,
            created_at=now,
            lease_until=now,
        )
        session.add(fallback)
        session.flush()
        return fallback
    return None


def due_deliveries(rt: Runtime, limit: int = 500) -> list[int]:
    """Deliveries a crash or a lost message left behind: pending or held past their lease.

    Each one found gets a fresh grace period, so the next sweep does not enqueue it again while
    its task is still on the way.
    """
    now = rt.clock.now()
    with rt.database.transaction() as session:
        ids = list(
            session.scalars(
                select(Delivery.id)
                .where(
                    or_(
                        (Delivery.status == "pending")
                        & (Delivery.lease_until < now - rt.requeue_after),
                        (Delivery.status == "sending") & (Delivery.lease_until < now),
                    )
                )
                .order_by(Delivery.id)
                .limit(limit)
            )
        )
        if ids:
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.status == "pending")
                .values(lease_until=now)
                .execution_options(synchronize_session=False)
            )
    return ids
