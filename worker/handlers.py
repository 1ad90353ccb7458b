"""What each message does to muster's state: decode → core decision → rows, in one transaction.

Handlers are where the pure core meets the database. Each takes a validated message and the id
the broker gave it, commits everything it decided (incident, timeline entries, delivery rows with
their rendered messages), and returns the ids of deliveries to enqueue *after* the commit. Every
write is keyed, so a redelivered message changes nothing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster.worker.core.broadcasts import render_declared, render_milestone, render_resolved
from muster.worker.core.incident import Incident as CoreIncident
from muster.worker.core.plan import (
    PagePlan,
    PlannedPage,
    build_page_plan,
    plan_engagement,
    reassign_role,
)
from muster.worker.core.routing import Routing, RoutingError
from muster.worker.core.snapshots import plan_from_data, plan_to_data
from muster.worker.deliveries import Claimed
from muster.worker.delivery_rows import broadcast_rows, core_incident, page_rows
from muster.worker.messages import Acknowledged, Declared, InvalidMessage, Milestone, Resolved
from muster.worker.runtime import Runtime
from muster.worker.store.models import (
    ConsumedMessage,
    DeadLetter,
    Delivery,
    Incident,
    OpenFingerprint,
    TimelineEntry,
    Timer,
)
from muster.worker.timers import (
    acknowledge,
    arm_incident,
    cancel_all,
    rearm_for_severity,
    restart_role_chain,
    send_summary,
)

log = structlog.get_logger("muster.handlers")


class UnknownIncident(LookupError):
    """A message about an incident muster has not recorded (yet: it may be a race)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a handler did: the incident it concerned and the deliveries to enqueue."""

    incident_id: str | None
    deliveries: tuple[int, ...] = ()
    note: str = ""
    first_wave: tuple[int, ...] = ()  # of ``deliveries``, those already handed to be sent


def derived_incident_id(message_id: str) -> str:
    """A stable incident id for a declaration that came without one (same on redelivery)."""
    return "inc-" + hashlib.sha256(message_id.encode()).hexdigest()[:12]


FirstWave = Callable[[list[Claimed]], None]


def handle_declared(
    rt: Runtime,
    message: Declared,
    message_id: str,
    first_wave: FirstWave | None = None,
    queue_fan_out: Callable[[str, str], None] | None = None,
) -> Outcome:
    """Store, plan and page a new incident; join an open one with the same fingerprint.

    Two commits: the incident with its first page (the head of the level's page list, by their
    first contact kind), then the rest of the fan-out, timers and broadcasts. Given
    ``first_wave``, the first page is written already claimed by this worker and handed to it
    between the commits, to be sent at once: how soon the first person hears does not grow
    with the size of the fan-out (a crash leaves it to the sweeper when its lease ends). A
    crash between the commits leaves the incident not ``fanned_out``; the redelivered
    declaration, or the sweeper (:func:`complete_fan_outs`), completes it.

    Given ``queue_fan_out``, the second commit is not made here but queued as a task of its own
    (:func:`handle_fan_out`), behind whatever else is queued: in a burst of declarations every
    incident's first page goes out before any of them writes the rest.
    """
    now = rt.clock.now()
    routing = rt.config.current().routing
    incident_id = message.incident_id or derived_incident_id(message_id)
    try:
        severity = routing.severity(message.impact, message.urgency)
    except RoutingError as problem:
        raise InvalidMessage(str(problem)) from None
    declared_at = message.declared_at or now
    core = CoreIncident(
        id=incident_id,
        title=message.title,
        impact=message.impact,
        urgency=message.urgency,
        services=tuple(message.services),
        summary=message.summary,
        source=message.source,
        declared_at=declared_at,
        customer_reports=tuple(message.customer_reports),
        links=dict(message.links),
        labels=dict(message.labels),
    )
    plan = build_page_plan(routing, core, now, severity=severity)
    try:
        # Optimistically new: the incident's and the fingerprint's keys say if it is not.
        with rt.database.transaction() as session:
            session.execute(
                insert(Incident).values(
                    id=incident_id,
                    fingerprint=message.fingerprint,
                    title=message.title,
                    summary=message.summary,
                    impact=message.impact,
                    urgency=message.urgency,
                    severity=severity.name,
                    services=list(message.services),
                    source=message.source,
                    customer_reports=list(message.customer_reports),
                    links=dict(message.links),
                    labels=dict(message.labels),
                    state="investigating",
                    impact_statement=message.summary or message.title,
                    plan=plan_to_data(plan),
                    declared_at=declared_at,
                    updated_at=now,
                    fanned_out=False,
                )
            )
            if message.fingerprint:
                session.execute(
                    insert(OpenFingerprint).values(
                        fingerprint=message.fingerprint, incident_id=incident_id
                    )
                )
            first = page_rows(
                session,
                routing,
                core,
                plan,
                _first_page(plan),
                "plan",
                now,
                known_new=True,
                sending_until=None if first_wave is None else now + rt.lease,
            )
    except IntegrityError as conflict:
        return _declared_again(rt, routing, message, incident_id, message_id, now, conflict)
    if first and first_wave is not None:
        try:
            first_wave([Claimed.written(row) for row in first])
        except Exception:  # the rest of the fan-out must be written regardless
            # The first page stays claimed; the sweeper sends it when its lease runs out.
            log.exception("incident.first_page_not_started", incident_id=incident_id)
    if queue_fan_out is not None:
        queue_fan_out(incident_id, message_id)
        rest: tuple[int, ...] = ()
    else:
        with rt.database.transaction() as session:
            row = session.get_one(Incident, incident_id)
            rest = _fan_out(session, routing, row, message_id, now, first_done=True)
    if plan.unknown_services:
        log.warning(
            "incident.unknown_services",
            incident_id=incident_id,
            services=list(plan.unknown_services),
            routed_to=routing.config.fallback_service,
        )
    for gap in plan.gaps:
        log.warning(
            "incident.rotation_gap",
            incident_id=incident_id,
            role=gap.role,
            service=gap.service,
            rotation=gap.rotation,
            covered_by=gap.covered_by,
        )
    first_ids = tuple(row.id for row in first)
    return Outcome(incident_id, first_ids + rest, first_wave=first_ids if first_wave else ())


def _declared_again(
    rt: Runtime,
    routing: Routing,
    message: Declared,
    incident_id: str,
    message_id: str,
    now: datetime,
    conflict: IntegrityError,
) -> Outcome:
    """A declaration whose incident, or open fingerprint, is already recorded.

    The same incident again is a no-op, unless a crash interrupted its fan-out (then this
    completes it); another incident with an open fingerprint joins that one's timeline.
    """
    with rt.database.transaction() as session:
        known = session.get(Incident, incident_id)
        if known is not None and known.fanned_out:
            return Outcome(incident_id, note="duplicate declaration: no-op")
        if known is not None:
            log.warning("incident.completing_fan_out", incident_id=incident_id)
            deliveries = _fan_out(session, routing, known, message_id, now, first_done=False)
            return Outcome(incident_id, deliveries, note="completed an interrupted fan-out")
        holder = session.get(OpenFingerprint, message.fingerprint) if message.fingerprint else None
        if holder is not None:
            _join(session, holder.incident_id, message, message_id, now)
            return Outcome(holder.incident_id, note="joined open incident by fingerprint")
    raise conflict  # whatever conflicted is gone again: the task runs the message anew


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
        deliveries = _fan_out(session, routing, row, message_id, now, first_done=True)
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
                deliveries += _fan_out(session, routing, row, None, now, first_done=False)
        except IntegrityError:
            continue  # its declaration, redelivered, completed it at the same moment
    return tuple(deliveries)


def _first_page(plan: PagePlan) -> tuple[PlannedPage, ...]:
    """The declaration's first page: the head of the page list, by their first contact kind."""
    if not plan.pages or not plan.pages[0].contacts:
        return ()
    head = plan.pages[0]
    return (replace(head, contacts=head.contacts[:1]),)


def _after_first_page(plan: PagePlan) -> tuple[PlannedPage, ...]:
    """Every page of the plan but the first page's first contact kind."""
    if not plan.pages or not plan.pages[0].contacts:
        return tuple(plan.pages)
    head = plan.pages[0]
    rest = (replace(head, contacts=head.contacts[1:]),) if len(head.contacts) > 1 else ()
    return rest + tuple(plan.pages[1:])


def _fan_out(
    session: Session,
    routing: Routing,
    row: Incident,
    message_id: str | None,
    now: datetime,
    first_done: bool,
) -> tuple[int, ...]:
    """The declaration's second commit: its timeline entry, every page after the first, timers,
    broadcasts.

    ``first_done`` says this follows the first commit in the same run, so no key can exist yet;
    otherwise (a redelivery completing a crashed run) rows already written are skipped.
    """
    plan = plan_from_data(row.plan)
    core = core_incident(row)
    session.add(
        TimelineEntry(
            incident_id=row.id,
            key=f"{row.id}:declared",
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
    )
    pages = _after_first_page(plan) if first_done else plan.pages
    deliveries = page_rows(session, routing, core, plan, pages, "plan", now, known_new=first_done)
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
    _consume(session, message_id, now)
    return tuple(d.id for d in deliveries)


def _join(
    session: Session, incident_id: str, message: Declared, message_id: str, now: datetime
) -> None:
    session.add(
        TimelineEntry(
            incident_id=incident_id,
            key=f"{incident_id}:joined:{message.incident_id or message_id}",
            at=message.declared_at or now,
            kind="joined",
            actor=message.source,
            text=message.title,
            data={"fingerprint": message.fingerprint, "services": list(message.services)},
        )
    )


def handle_milestone(rt: Runtime, message: Milestone, message_id: str) -> Outcome:
    """Record a milestone on the timeline, apply what it changes, page who it needs, broadcast."""
    now = rt.clock.now()
    routing = rt.config.current().routing
    key = f"{message.incident_id}:milestone:{message.milestone_id or message_id}"
    _check_names(routing, message)
    with rt.database.transaction() as session:
        row = _incident(session, message.incident_id)
        if _recorded(session, key):
            return Outcome(row.id, note="duplicate milestone: no-op")
        at = message.at or now
        plan = plan_from_data(row.plan)
        core = core_incident(row)
        pages: Sequence[PlannedPage] = ()
        detail = ""
        reason = f"{message.kind}:{message.milestone_id or message_id}"
        if message.kind == "redefinition":
            plan, pages, detail = _redefine(session, routing, row, message, now)
            core = core_incident(row)
            rearm_for_severity(session, routing, row, plan, now)
        elif message.kind == "support_update":
            row.impact_statement = message.text
        elif message.kind == "state_change" and message.state is not None:
            detail = f"State: {row.state} -> {message.state}"
            row.state = message.state
            if message.state == "resolved":
                _close(session, row, at)
                cancel_all(session, row.id, now)
        elif message.kind == "role_change" and message.role and message.person:
            plan = reassign_role(routing, plan, message.role, message.person)
            restart_role_chain(session, routing, row, message.role, message.person, now)
            holder = plan.page_for(message.person)
            pages = (holder,) if holder is not None else ()
            detail = f"{routing.config.people[message.person].name} now holds {message.role}"
        elif message.kind == "engage":
            pages = plan_engagement(
                routing, plan, message.people or [], message.services or [], now
            )
            detail = "Engaged: " + ", ".join(p.name for p in pages)
        row.plan = plan_to_data(plan)
        row.updated_at = now
        session.add(
            TimelineEntry(
                incident_id=row.id,
                key=key,
                at=at,
                kind=message.kind,
                actor=message.author,
                text=message.text,
                data=message.model_dump(
                    mode="json", exclude_none=True, exclude={"incident_id", "text", "author", "at"}
                ),
            )
        )
        session.flush()
        deliveries = page_rows(session, routing, core, plan, pages, reason, now)
        rendered = render_milestone(
            core, row.severity, message.kind, message.text, message.author, detail
        )
        deliveries += broadcast_rows(session, routing, plan, row.id, reason, rendered, now)
        _consume(session, message_id, now)
    return Outcome(row.id, tuple(d.id for d in deliveries))


def _check_names(routing: Routing, message: Milestone) -> None:
    config = routing.config
    if message.kind == "role_change":
        if message.role not in config.roles:
            raise InvalidMessage(
                f"unknown role {message.role!r}: the config defines {', '.join(config.roles)}"
            )
        if message.person not in config.people:
            raise InvalidMessage(f"unknown person {message.person!r}")
    if message.kind == "engage":
        unknown = [p for p in message.people or [] if p not in config.people]
        if unknown:
            raise InvalidMessage(f"unknown people {', '.join(map(repr, unknown))}")
    if message.kind == "redefinition":
        impact = message.impact
        if impact is not None and impact not in config.severity.matrix:
            raise InvalidMessage(f"unknown impact {impact!r}")
        if message.urgency is not None and message.urgency not in config.severity.urgencies:
            raise InvalidMessage(f"unknown urgency {message.urgency!r}")


def _redefine(
    session: Session, routing: Routing, row: Incident, message: Milestone, now: datetime
) -> tuple[PagePlan, tuple[PlannedPage, ...], str]:
    before = row.severity
    row.impact = message.impact or row.impact
    row.urgency = message.urgency or row.urgency
    row.services = list(message.services or row.services)
    row.impact_statement = message.text
    severity = routing.severity(row.impact, row.urgency)
    row.severity = severity.name
    plan = build_page_plan(routing, core_incident(row), now, severity=severity)
    paged = set(
        session.scalars(
            select(Delivery.person).where(
                Delivery.incident_id == row.id, Delivery.purpose == "page"
            )
        )
    )
    newly = tuple(page for page in plan.pages if page.person not in paged)
    detail = f"Severity {before} -> {severity.name}; impact {row.impact}, urgency {row.urgency}"
    detail += f"; services {', '.join(row.services)}"
    return plan, newly, detail


def handle_acknowledged(rt: Runtime, message: Acknowledged, message_id: str) -> Outcome:
    """Record that someone took their page."""
    now = rt.clock.now()
    with rt.database.transaction() as session:
        row = _incident(session, message.incident_id)
        key = f"{row.id}:ack:{message.person}:{message.role or '*'}"
        if _recorded(session, key):
            return Outcome(row.id, note="already acknowledged")
        stopped = acknowledge(session, row.id, message.person, message.role, now)
        session.add(
            TimelineEntry(
                incident_id=row.id,
                key=key,
                at=message.at or now,
                kind="acknowledged",
                actor=message.person,
                text=f"{message.person} acknowledged"
                + (f" as {message.role}" if message.role else ""),
                data={"role": message.role, "stopped": stopped},
            )
        )
        _consume(session, message_id, now)
    log.info(
        "incident.acknowledged",
        incident_id=row.id,
        person=message.person,
        escalations_stopped=stopped,
    )
    return Outcome(row.id, note="escalation stopped" if stopped else "no escalation to stop")


def handle_resolved(rt: Runtime, message: Resolved, message_id: str) -> Outcome:
    """Close the incident and tell the rooms."""
    now = rt.clock.now()
    routing = rt.config.current().routing
    with rt.database.transaction() as session:
        row = _incident(session, message.incident_id)
        key = f"{row.id}:resolved"
        if _recorded(session, key):
            return Outcome(row.id, note="already resolved")
        at = message.at or now
        row.state = "resolved"
        _close(session, row, at)
        since = _last_summary(session, row.id)
        cancel_all(session, row.id, now)
        row.updated_at = now
        session.add(
            TimelineEntry(
                incident_id=row.id,
                key=key,
                at=at,
                kind="resolved",
                text=message.text or "",
                data={},
            )
        )
        session.flush()
        rendered = render_resolved(
            core_incident(row), row.severity, row.declared_at, at, message.text
        )
        plan = plan_from_data(row.plan)
        deliveries = broadcast_rows(session, routing, plan, row.id, "resolved", rendered, now)
        deliveries += send_summary(session, routing, row, since, now, None, "final", final=True)
        _consume(session, message_id, now)
    return Outcome(row.id, tuple(d.id for d in deliveries))


def _incident(session: Session, incident_id: str) -> Incident:
    """The incident, once its declaration is fully recorded (retried until then: a milestone or
    a resolution must not act on an incident whose pages and timers are still being written)."""
    row = session.get(Incident, incident_id)
    if row is None or not row.fanned_out:
        raise UnknownIncident(incident_id)
    return row


def _close(session: Session, row: Incident, at: datetime) -> None:
    row.resolved_at = row.resolved_at or at
    if row.fingerprint:
        holder = session.get(OpenFingerprint, row.fingerprint)
        if holder is not None and holder.incident_id == row.id:
            session.delete(holder)


def _last_summary(session: Session, incident_id: str) -> datetime | None:
    timer = session.scalar(select(Timer).where(Timer.key == f"{incident_id}:summary"))
    last = timer.data.get("last_at") if timer is not None else None
    return datetime.fromisoformat(last) if last else None


def _recorded(session: Session, key: str) -> bool:
    return session.scalar(select(TimelineEntry.id).where(TimelineEntry.key == key)) is not None


def _consume(session: Session, message_id: str | None, now: datetime) -> None:
    if message_id is not None and session.get(ConsumedMessage, message_id) is None:
        session.add(ConsumedMessage(message_id=message_id, at=now))


def dead_letter(rt: Runtime, task: str, payload: Any, reason: str, message_id: str) -> int:
    """Keep a message that cannot be handled, with why; the same message is kept once."""
    now = rt.clock.now()
    try:
        with rt.database.transaction() as session:
            existing = session.scalar(select(DeadLetter).where(DeadLetter.message_id == message_id))
            if existing is not None:
                return existing.id
            letter = DeadLetter(
                message_id=message_id, task=task, payload=payload, reason=reason, received_at=now
            )
            session.add(letter)
            _consume(session, message_id, now)
            session.flush()
            return letter.id
    except IntegrityError:
        with rt.database.transaction() as session:
            found = session.scalar(select(DeadLetter.id).where(DeadLetter.message_id == message_id))
            return int(found or 0)
