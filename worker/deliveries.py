"""Sending one recorded delivery, and finding the ones a crash left behind.

A delivery is claimed with a lease (a conditional UPDATE, so two workers holding the same task
cannot both send), sent with bounded retries, and finished in a second transaction: attempts,
outcome, timeline, and — for a page that still failed — a new delivery by the next contact kind
along the person's fallback chain. The sweeper re-enqueues rows whose lease expired.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from channels.retry import send_with_retry
from channels.sender import SendResult
from channels.targets import target_url
from worker.core.masking import mask_text
from worker.core.plan import ContactRoute, PlannedPage
from worker.core.render import RenderedMessage, render_page
from worker.core.routing import Routing
from worker.core.snapshots import page_from_data, page_to_data, plan_from_data
from worker.delivery_rows import broadcast_url, core_incident
from worker.runtime import Runtime
from worker.store.models import Delivery, DeliveryAttempt, Incident, TimelineEntry

log = structlog.get_logger("muster.delivery")


@dataclass(frozen=True, slots=True)
class Attempt:
    """One send's result, with when it started."""

    at: datetime
    result: SendResult


def run_delivery(rt: Runtime, delivery_id: int) -> tuple[int, ...]:
    """Send delivery ``delivery_id`` if nobody else holds it; return follow-up deliveries."""
    now = rt.clock.now()
    routing = rt.config.current().routing
    with rt.database.transaction() as session:
        if not _claim(session, rt, delivery_id, now):
            return ()
        row = session.get(Delivery, delivery_id)
        if row is None:
            return ()
        message = RenderedMessage(title=row.title, body=row.body, body_format=row.body_format)
        url, missing = _destination(routing, row)
        bound = log.bind(
            incident_id=row.incident_id,
            delivery_id=row.id,
            purpose=row.purpose,
            kind=row.kind,
            person=row.person,
        )
    attempts: list[Attempt] = []
    if url is None:
        result = SendResult(ok=False, retryable=False, error=missing)
        attempts.append(Attempt(now, result))
    else:

        def record(outcome: SendResult) -> None:
            attempts.append(Attempt(rt.clock.now(), outcome))

        result = send_with_retry(
            rt.sender, url, message, rt.retry, sleep=rt.sleep, on_attempt=record
        )
    private = routing.private_values | ({url} if url else set())
    attempts = [Attempt(a.at, _masked(a.result, private)) for a in attempts]
    return _finish(rt, routing, delivery_id, attempts, _masked(result, private), bound)


def _masked(result: SendResult, private: frozenset[str] | set[str]) -> SendResult:
    """The result with addresses and secrets masked out of its error, before it is stored."""
    if result.error is None:
        return result
    return replace(result, error=mask_text(result.error, private))


def _claim(session: Session, rt: Runtime, delivery_id: int, now: datetime) -> bool:
    """Take the delivery for this worker for ``rt.lease``, unless someone else holds it."""
    claimed = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            or_(
                Delivery.status == "pending",
                (Delivery.status == "sending") & (Delivery.lease_until < now),
            ),
        )
        .values(status="sending", lease_until=now + rt.lease)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _destination(routing: Routing, row: Delivery) -> tuple[str | None, str]:
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


def _finish(
    rt: Runtime,
    routing: Routing,
    delivery_id: int,
    attempts: list[Attempt],
    result: SendResult,
    bound: structlog.stdlib.BoundLogger,
) -> tuple[int, ...]:
    now = rt.clock.now()
    follow_ups: list[int] = []
    with rt.database.transaction() as session:
        row = session.get(Delivery, delivery_id)
        if row is None:
            return ()
        for attempt in attempts:
            session.add(
                DeliveryAttempt(
                    delivery_id=row.id,
                    at=attempt.at,
                    outcome="sent"
                    if attempt.result.ok
                    else ("retryable" if attempt.result.retryable else "permanent"),
                    error=attempt.result.error,
                    duration_ms=attempt.result.duration_ms,
                )
            )
        row.attempts += len(attempts)
        row.finished_at = now
        row.lease_until = None
        what = row.purpose
        if result.ok:
            row.status = "sent"
            row.last_error = None
            session.add(_entry(row, f"{what}_sent", now, f"{row.kind} to {row.person or row.kind}"))
            bound.info(f"{what}.sent", attempts=len(attempts))
            return ()
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
