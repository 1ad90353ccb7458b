"""A declaration's first commit: the incident and its first page, sent at once.

The rest of the fan-out is a second commit (:mod:`muster.worker.incidents.fan_out`), queued as a
task of its own. A declaration whose fingerprint matches an open incident joins that incident
(:mod:`muster.worker.incidents.joined`): a timeline entry that pages nobody (alert storms) unless
it makes the incident worse, and its id becomes an alias of that incident; the same incident id
again is a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster.worker.core.decisions.holds import holding
from muster.worker.core.decisions.storm import bypasses
from muster.worker.core.intake.message_names import refusal
from muster.worker.core.paging.deliveries import DeliveryStatus
from muster.worker.core.paging.first_page import first_page
from muster.worker.core.paging.incident import Incident as CoreIncident
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.core.paging.routing import Routing, RoutingError
from muster.worker.core.paging.snapshots import plan_to_data
from muster.worker.deliveries.claim import Claimed
from muster.worker.deliveries.rows import page_rows
from muster.worker.holds.current import holds_at
from muster.worker.holds.declaration import held_values, subject_of
from muster.worker.incidents.fan_out import fan_out
from muster.worker.incidents.first_page.commit import write_first_commit
from muster.worker.incidents.first_page.send import claimed
from muster.worker.incidents.joined import join
from muster.worker.incidents.outcome import Outcome
from muster.worker.incidents.records import lock_incident
from muster.worker.messages import Declared, InvalidMessage
from muster.worker.observe import metrics
from muster.worker.runtime import Runtime
from muster.worker.store.incident_rows import incident_values
from muster.worker.store.models import Incident, IncidentAlias, OpenFingerprint

log = structlog.get_logger("muster.handlers")


def derived_incident_id(message_id: str) -> str:
    """A stable incident id for a declaration that came without one (same on redelivery)."""
    return "inc-" + hashlib.sha256(message_id.encode()).hexdigest()[:12]


FirstPageSender = Callable[[list[Claimed]], None]
"""Sends the first page's rows, committed already claimed (:mod:`.first_page`)."""


def handle_declared(
    rt: Runtime,
    message: Declared,
    message_id: str,
    send_first_page: FirstPageSender | None = None,
    queue_fan_out: Callable[[str, str], None] | None = None,
) -> Outcome:
    """Store, plan and page a new incident; join an open one with the same fingerprint.

    Two commits: the incident with its first page (the head of the level's page list, by their
    first contact kind), then the rest of the fan-out, timers and broadcasts. Given
    ``send_first_page``, the first page is written already claimed by this worker and handed to it
    between the commits, to be sent at once: how soon the first person hears does not grow
    with the size of the fan-out (a crash leaves it to the sweeper when its lease ends). A
    crash between the commits leaves the incident not ``fanned_out``; the redelivered
    declaration, or the sweeper (``fan_out.complete_fan_outs``), completes it.

    Given ``queue_fan_out``, the second commit is not made here but queued as a task of its own
    (``fan_out.handle_fan_out``), behind whatever else is queued: in a burst of declarations
    every incident's first page goes out before any of them writes the rest.
    """
    now = rt.clock.now()
    routing = rt.config.current().routing
    incident_id = message.incident_id or derived_incident_id(message_id)
    reason = refusal(routing.config, message)
    if reason:
        raise InvalidMessage(reason)
    try:
        severity = routing.severity(message.impact, message.urgency)
    except RoutingError as problem:
        raise InvalidMessage(str(problem)) from None
    declared_at = message.declared_at or now
    core = CoreIncident.of(message, incident_id, declared_at)
    plan = build_page_plan(routing, core, now, severity=severity)
    incident = incident_values(
        core,
        fingerprint=message.fingerprint,
        severity=severity.name,
        plan=plan_to_data(plan),
        declared_at=declared_at,
        now=now,
    )
    with rt.database.transaction() as session:  # no round trip unless a hold lives in it
        active = holds_at(session, routing.config, now)
    holds = holding(active, subject_of(core, severity.name), now)
    held = held_values(holds[0], incident_id, now) if holds else None
    sending_until = None if send_first_page is None else now + rt.lease
    rows = page_rows(
        None,
        routing,
        core,
        plan,
        () if held else first_page(plan),
        "plan",
        now,
        sending_until=sending_until,
        write=False,
    )
    try:
        # Optimistically new: the incident's and the fingerprint's keys say if it is not.
        first = write_first_commit(
            rt.database,
            incident,
            rows,
            routing,
            now,
            bypass=bypasses(plan.rank, first_page=True),
            held=held,
        )
    except IntegrityError as conflict:
        return _declared_again(rt, routing, message, incident_id, message_id, now, conflict)
    if first is None:  # redelivered, after the incident it joined was resolved
        with rt.database.transaction() as session:
            joined = _joined_before(session, incident_id)
        return Outcome(joined or incident_id, note="duplicate declaration: it joined this incident")
    if holds:
        metrics.pages_held(holds[0], len(plan.pages))
    first = [row for row in first if row.status != DeliveryStatus.HELD]  # held for a digest
    if first and send_first_page is not None:
        try:
            send_first_page([claimed(row) for row in first])
        except Exception:  # the rest of the fan-out must be written regardless
            # The first page stays claimed; the sweeper sends it when its lease runs out.
            log.exception("incident.first_page_not_started", incident_id=incident_id)
    if queue_fan_out is not None:
        queue_fan_out(incident_id, message_id)
        rest: tuple[int, ...] = ()
    else:
        with rt.database.transaction() as session:
            row = session.get_one(Incident, incident_id)
            rest = fan_out(session, routing, row, message_id, now, first_done=True)
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
    return Outcome(
        incident_id, first_ids + rest, first_page_ids=first_ids if send_first_page else ()
    )


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
    completes it); another incident with an open fingerprint joins that one, under its row
    lock, and upgrades it if it is worse.
    """
    with rt.database.transaction() as session:
        known = session.get(Incident, incident_id)
        if known is not None and known.fanned_out:
            return Outcome(incident_id, note="duplicate declaration: no-op")
        if known is not None:
            log.warning("incident.completing_fan_out", incident_id=incident_id)
            deliveries = fan_out(session, routing, known, message_id, now, first_done=False)
            return Outcome(incident_id, deliveries, note="completed an interrupted fan-out")
        joined = _joined_before(session, incident_id)
        if joined is not None:
            return Outcome(joined, note="duplicate declaration: it joined this incident")
        holder = session.get(OpenFingerprint, message.fingerprint) if message.fingerprint else None
        row = None if holder is None else lock_incident(session, holder.incident_id)
        if row is not None and row.resolved_at is None:
            # Locked: a copy of this declaration on another worker joined first, or waits.
            joined = _joined_before(session, incident_id)
            if joined is not None:
                return Outcome(joined, note="duplicate declaration: it joined this incident")
            deliveries = join(session, routing, row, incident_id, message, message_id, now)
            note = "joined open incident by fingerprint"
            return Outcome(
                row.id, deliveries, note=note + (", made it worse" if deliveries else "")
            )
    raise conflict  # whatever conflicted is gone again: the task runs the message anew


def _joined_before(session: Session, incident_id: str) -> str | None:
    """The incident a declaration under ``incident_id`` joined, if it did."""
    alias = session.get(IncidentAlias, incident_id)
    return None if alias is None else alias.incident_id
