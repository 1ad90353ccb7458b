"""Timers in the database: escalations, summaries and customer-update reminders, and their scan.

Handlers arm timers in the same transaction as the incident they belong to; a frequent beat task
(:func:`scan`) fires the due ones. Each timer fires in a transaction of its own that re-reads it
under a row lock (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's single writer elsewhere),
writes what it decided (delivery rows, timeline entries) and moves ``due_at`` on. Two scanners,
a redelivered scan task or a crash mid-scan therefore never fire a step twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.config_model import SME
from muster.worker.core.escalation import ChainProgress, escalate
from muster.worker.core.plan import Assignment, EscalationChain, PagePlan, plan_pages
from muster.worker.core.routing import Routing
from muster.worker.core.snapshots import plan_from_data
from muster.worker.core.summary import (
    SummaryFacts,
    TimelineItem,
    Unacknowledged,
    compose_stakeholder_update,
    compose_summary,
    render_reminder,
)
from muster.worker.delivery_rows import (
    NewDelivery,
    broadcast_rows,
    core_incident,
    insert_new,
    page_rows,
)
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery, Incident, TimelineEntry, Timer

log = structlog.get_logger("muster.timers")

ESCALATION, SUMMARY, REMINDER = "escalation", "summary", "reminder"
PENDING, DONE, ACKNOWLEDGED, CANCELLED, EXHAUSTED = (
    "pending",
    "done",
    "acknowledged",
    "cancelled",
    "exhausted",
)


# Arming, from the handlers (inside their transaction) --------------------------------------


def arm_incident(
    session: Session, routing: Routing, row: Incident, plan: PagePlan, now: datetime
) -> None:
    """A new incident's timers: an escalation per chain, its summary, its reminder."""
    level = routing.level(row.severity).level
    if level.ack_within is not None:
        for chain in plan.escalations:
            _arm_chain(
                session,
                row.id,
                chain,
                _paged_by(plan, chain),
                now + level.ack_within,
                now,
                fresh=True,
            )
    _upsert(
        session,
        row.id,
        SUMMARY,
        f"{row.id}:summary",
        now + level.summary_every,
        {"last_at": None},
        now,
        fresh=True,
    )
    if level.customer_update_every is not None:
        _arm_reminder(session, row.id, now + level.customer_update_every, now, fresh=True)


def rearm_for_severity(
    session: Session, routing: Routing, row: Incident, plan: PagePlan, now: datetime
) -> None:
    """After a redefinition: chains for new roles and services, new intervals for the rest."""
    level = routing.level(row.severity).level
    timers = {t.key: t for t in _timers(session, row.id)}
    if level.ack_within is None:
        for timer in timers.values():
            if timer.kind == ESCALATION and timer.state == PENDING:
                timer.state, timer.updated_at = CANCELLED, now
    else:
        for chain in plan.escalations:
            key = _chain_key(row.id, chain.role, chain.service)
            if key not in timers:
                _arm_chain(
                    session, row.id, chain, _paged_by(plan, chain), now + level.ack_within, now
                )
    summary = timers.get(f"{row.id}:summary")
    if summary is not None and summary.state == PENDING:
        last = summary.data.get("last_at")
        base = datetime.fromisoformat(last) if last else row.declared_at
        summary.due_at = max(base + level.summary_every, now)
        summary.updated_at = now
    reminder = timers.get(f"{row.id}:reminder")
    if level.customer_update_every is None:
        if reminder is not None and reminder.state == PENDING:
            reminder.state, reminder.updated_at = CANCELLED, now
    elif reminder is None or reminder.state != PENDING:
        _arm_reminder(session, row.id, now + level.customer_update_every, now)


def restart_role_chain(
    session: Session, routing: Routing, row: Incident, role: str, person: str, now: datetime
) -> None:
    """A role handed over: its chain starts again from the new holder."""
    level = routing.level(row.severity).level
    if level.ack_within is None or role not in routing.config.roles:
        return
    config_role = routing.config.roles[role]
    chain = EscalationChain(role, None, (config_role.rotation, *config_role.escalate_to))
    key = _chain_key(row.id, role, None)
    timer = session.scalar(select(Timer).where(Timer.key == key))
    data = _chain_data(chain, [person])
    if timer is not None:
        data["generation"] = int(timer.data.get("generation", 0)) + 1
    if timer is None:
        _arm_chain(session, row.id, chain, [person], now + level.ack_within, now)
    else:
        timer.state, timer.data, timer.due_at = PENDING, data, now + level.ack_within
        timer.updated_at = now


def acknowledge(
    session: Session, incident_id: str, person: str, role: str | None, now: datetime
) -> list[str]:
    """Stop the escalations that paged ``person`` (for ``role`` only, when given)."""
    stopped = []
    for timer in _timers(session, incident_id):
        if timer.kind != ESCALATION or timer.state != PENDING:
            continue
        label = _label(timer.data)
        if person in timer.data.get("paged", []) and (
            role is None or label == role or timer.data.get("role") == role
        ):
            timer.state, timer.updated_at = ACKNOWLEDGED, now
            stopped.append(label)
    return stopped


def cancel_all(session: Session, incident_id: str, now: datetime) -> None:
    """The incident is resolved: no more escalations, summaries or reminders."""
    for timer in _timers(session, incident_id):
        if timer.state == PENDING:
            timer.state, timer.updated_at = CANCELLED, now


# The scan, from beat ------------------------------------------------------------------------


def scan(rt: Runtime, batch: int = 100, limit: int = 2_000) -> list[int]:
    """Fire every due timer; return the deliveries to queue (each batch committed first).

    Timers are taken a batch at a time under row locks (``SKIP LOCKED`` on PostgreSQL, so
    concurrent scanners take disjoint batches; SQLite has one writer at a time) and fired in that
    transaction (one savepoint for the batch, one each if any fails): a timer that fails is put
    off a minute and logged, and the rest of the batch goes on.
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
            rows = _fire_batch(session, routing, timers, now)
            session.flush()
            ids = [row.id for row in rows]
        created += ids
        fired += len(timers)
        if len(timers) < batch:
            break
    return created


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
            return insert_new(session, rows, known_new=True)
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
            return insert_new(session, fire(session, routing, timer, now), known_new=True)
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
        return _fire_escalation(session, routing, row, timer, now)
    if timer.kind == SUMMARY:
        return _fire_summary(session, routing, row, timer, now)
    return _fire_reminder(session, routing, row, timer, now)


def _fire_escalation(
    session: Session, routing: Routing, row: Incident, timer: Timer, now: datetime
) -> list[NewDelivery]:
    level = routing.level(row.severity).level
    if level.ack_within is None:
        timer.state = CANCELLED
        return []
    data = dict(timer.data)
    progress = ChainProgress(
        role=data["role"],
        service=data.get("service"),
        rotations=tuple(data["rotations"]),
        start_level=int(data.get("start_level", 0)),
        steps_taken=int(data.get("steps_taken", 0)),
    )
    decision = escalate(routing, progress, level.ack_within, routing.config.escalation.repeat, now)
    plan = plan_from_data(row.plan)
    core = core_incident(row)
    created: list[NewDelivery] = []
    paged = list(data.get("paged", []))
    generation = int(data.get("generation", 0))
    for number, step in enumerate(decision.steps, start=progress.steps_taken + 1):
        label = progress.label
        # A chain restarted by a role change counts its steps again: keys stay unique by era.
        step_id = str(number) if generation == 0 else f"g{generation}.{number}"
        if step.person is None or step.person not in routing.config.people:
            _entry(
                session,
                row.id,
                f"{timer.key}:{step_id}:gap",
                now,
                "escalation_gap",
                None,
                f"{label}: nobody on call in {step.rotation}; escalating further",
                {"role": label, "rotation": step.rotation, "step": number},
            )
            continue
        assignment = Assignment(
            role=progress.role,
            service=progress.service,
            rotation=step.rotation,
            escalation_level=max(step.level, 1),
        )
        pages = plan_pages(routing, [(step.person, assignment)], level.via)
        created += page_rows(
            session,
            routing,
            core,
            plan,
            pages,
            f"escalation:{label}:{step_id}",
            now,
            write=False,  # written with the rest of the scan's batch
        )
        paged.append(step.person)
        _entry(
            session,
            row.id,
            f"{timer.key}:{step_id}",
            now,
            "escalated",
            step.person,
            f"{label} not acknowledged: paging {step.person} ({step.rotation})",
            {"role": label, "rotation": step.rotation, "step": number, "round": step.round},
        )
        log.warning(
            "escalation.paged",
            incident_id=row.id,
            role=label,
            person=step.person,
            rotation=step.rotation,
            step=number,
        )
    data.update(steps_taken=decision.progress.steps_taken, paged=list(dict.fromkeys(paged)))
    timer.data = data
    if decision.next_due is None:
        timer.state = EXHAUSTED
        _entry(
            session,
            row.id,
            f"{timer.key}:exhausted" + (f":g{generation}" if generation else ""),
            now,
            "escalation_exhausted",
            None,
            f"{progress.label}: escalation chain exhausted with nobody acknowledging",
            {},
        )
        log.error("escalation.exhausted", incident_id=row.id, role=progress.label)
    else:
        timer.due_at = decision.next_due
    return created


def _fire_summary(
    session: Session, routing: Routing, row: Incident, timer: Timer, now: datetime
) -> list[NewDelivery]:
    level = routing.level(row.severity).level
    slot = timer.due_at
    last = timer.data.get("last_at")
    since = datetime.fromisoformat(last) if last else None
    next_due = slot + level.summary_every
    while next_due <= now:  # the scanner was away: one catch-up summary, not a burst
        next_due += level.summary_every
    created = send_summary(
        session, routing, row, since, now, next_due, slot.isoformat(), write=False
    )
    timer.data = {"last_at": now.isoformat()}
    timer.due_at = next_due
    return created


def send_summary(
    session: Session,
    routing: Routing,
    row: Incident,
    since: datetime | None,
    now: datetime,
    next_at: datetime | None,
    slot: str,
    final: bool = False,
    write: bool = True,
) -> list[NewDelivery]:
    """The summary and its stakeholder version, as broadcast rows keyed by incident and slot
    (``write=False``: returned unwritten, for the scan to write with the rest of its batch)."""
    facts = summary_facts(session, routing, row, since, now, next_at, final)
    plan = plan_from_data(row.plan)
    rows: list[NewDelivery] = []
    config = routing.config.broadcasts
    reason = f"summary:{slot}"
    if config.summaries:
        rows += broadcast_rows(
            session,
            routing,
            plan,
            row.id,
            reason,
            compose_summary(facts),
            now,
            destinations=["summaries"],
            known_new=True,
            write=write,
        )
    if config.stakeholders:
        rows += broadcast_rows(
            session,
            routing,
            plan,
            row.id,
            reason,
            compose_stakeholder_update(facts),
            now,
            destinations=["stakeholders"],
            known_new=True,
            write=write,
        )
    _entry(
        session,
        row.id,
        f"{row.id}:summary:{slot}",
        now,
        "summary",
        None,
        "final summary" if final else "summary",
        {"since": since.isoformat() if since else None, "items": len(facts.items)},
    )
    return rows


def summary_facts(
    session: Session,
    routing: Routing,
    row: Incident,
    since: datetime | None,
    now: datetime,
    next_at: datetime | None,
    final: bool,
) -> SummaryFacts:
    """What a summary of ``row`` says, read from the timeline, the plan and the deliveries."""
    query = select(TimelineEntry).where(TimelineEntry.incident_id == row.id)
    if since is not None:
        query = query.where(TimelineEntry.at > since)
    entries = list(
        session.scalars(
            query.where(TimelineEntry.at <= now).order_by(TimelineEntry.at, TimelineEntry.id)
        )
    )
    plan = plan_from_data(row.plan)
    people = routing.config.people
    holders = {
        label: [people[p].name if p in people else p for p in names]
        for label, names in plan.holders().items()
    }
    return SummaryFacts(
        incident=core_incident(row),
        severity=row.severity,
        state="resolved" if final else row.state,
        impact_statement=row.impact_statement,
        since=since,
        at=now,
        items=[TimelineItem(e.at, e.kind, e.actor, e.text, e.data) for e in entries],
        holders=holders,
        unacknowledged=unacknowledged(session, routing, row.id),
        next_at=next_at,
        final=final,
    )


def unacknowledged(session: Session, routing: Routing, incident_id: str) -> list[Unacknowledged]:
    """People paged for this incident (not merely broadcast to) who have not acknowledged."""
    acked = set(
        session.scalars(
            select(TimelineEntry.actor).where(
                TimelineEntry.incident_id == incident_id, TimelineEntry.kind == "acknowledged"
            )
        )
    )
    first: dict[str, Unacknowledged] = {}
    for delivery in session.scalars(
        select(Delivery)
        .where(Delivery.incident_id == incident_id, Delivery.purpose == "page")
        .order_by(Delivery.id)
    ):
        person = delivery.person or ""
        if person in acked or person in first:
            continue
        roles = [
            a["role"] if not a.get("service") else f"{a['role']}:{a['service']}"
            for a in (delivery.page or {}).get("assignments", [])
        ]
        name = routing.config.people[person].name if person in routing.config.people else person
        first[person] = Unacknowledged(
            name=name, role=", ".join(roles) or "paged", paged_at=delivery.created_at
        )
    return list(first.values())


def _fire_reminder(
    session: Session, routing: Routing, row: Incident, timer: Timer, now: datetime
) -> list[NewDelivery]:
    level = routing.level(row.severity).level
    every = level.customer_update_every
    if every is None:
        timer.state = CANCELLED
        return []
    last_update = session.scalar(
        select(TimelineEntry.at)
        .where(TimelineEntry.incident_id == row.id, TimelineEntry.kind == "support_update")
        .order_by(TimelineEntry.at.desc())
        .limit(1)
    )
    if last_update is not None and now - last_update < every:
        timer.due_at = last_update + every  # a recent update: nothing to remind of yet
        return []
    plan = plan_from_data(row.plan)
    leads = plan.holders().get("support_lead", [])
    core = core_incident(row)
    rendered = render_reminder(core, row.severity, every, last_update, now)
    pages = plan_pages(
        routing,
        [(p, Assignment("support_lead", None, "")) for p in leads if p in routing.config.people],
        level.via[:1],
    )
    created = page_rows(
        session,
        routing,
        core,
        plan,
        pages,
        f"reminder:{timer.due_at.isoformat()}",
        now,
        rendered_as=rendered,
        purpose="reminder",
        write=False,  # written with the rest of the scan's batch
    )
    _entry(
        session,
        row.id,
        f"{timer.key}:{timer.due_at.isoformat()}",
        now,
        "reminder",
        None,
        f"customer-update reminder to {', '.join(leads) or 'nobody (no support lead)'}",
        {},
    )
    timer.due_at = now + every
    return created


# Helpers ------------------------------------------------------------------------------------


def _chain_key(incident_id: str, role: str, service: str | None) -> str:
    return f"{incident_id}:escalation:{role if service is None else f'{role}:{service}'}"


def _label(data: dict[str, Any]) -> str:
    service = data.get("service")
    return str(data["role"]) if not service else f"{data['role']}:{service}"


def _chain_data(chain: EscalationChain, paged: Sequence[str]) -> dict[str, Any]:
    data = asdict(chain)
    data["rotations"] = list(chain.rotations)
    data.update(steps_taken=0, paged=list(paged))
    return data


def _paged_by(plan: PagePlan, chain: EscalationChain) -> list[str]:
    return [
        page.person
        for page in plan.pages
        for a in page.assignments
        if a.role == chain.role and a.service == chain.service
    ]


def _arm_chain(
    session: Session,
    incident_id: str,
    chain: EscalationChain,
    paged: list[str],
    due: datetime,
    now: datetime,
    fresh: bool = False,
) -> None:
    if chain.role != SME and chain.service is not None:
        return
    _upsert(
        session,
        incident_id,
        ESCALATION,
        _chain_key(incident_id, chain.role, chain.service),
        due,
        _chain_data(chain, paged),
        now,
        fresh=fresh,
    )


def _arm_reminder(
    session: Session, incident_id: str, due: datetime, now: datetime, fresh: bool = False
) -> None:
    _upsert(session, incident_id, REMINDER, f"{incident_id}:reminder", due, {}, now, fresh=fresh)


def _upsert(
    session: Session,
    incident_id: str,
    kind: str,
    key: str,
    due: datetime,
    data: dict[str, Any],
    now: datetime,
    fresh: bool = False,
) -> None:
    # ``fresh``: a new incident, whose timers cannot exist yet; no lookup (and no flush) needed.
    timer = None if fresh else session.scalar(select(Timer).where(Timer.key == key))
    if timer is None:
        session.add(
            Timer(
                incident_id=incident_id,
                kind=kind,
                key=key,
                due_at=due,
                state=PENDING,
                data=data,
                updated_at=now,
            )
        )
    else:
        timer.state, timer.due_at, timer.data, timer.updated_at = PENDING, due, data, now


def _timers(session: Session, incident_id: str) -> Iterable[Timer]:
    return session.scalars(select(Timer).where(Timer.incident_id == incident_id))


def _entry(
    session: Session,
    incident_id: str,
    key: str,
    at: datetime,
    kind: str,
    actor: str | None,
    text: str,
    data: dict[str, Any],
) -> None:
    # Every key written here is unique by construction (a timer's step, slot or generation,
    # fired under its row lock), so no existence check is needed.
    session.add(
        TimelineEntry(
            incident_id=incident_id,
            key=key,
            at=at,
            kind=kind,
            actor=actor,
            text=text,
            data=data,
        )
    )
