"""Redefining an open incident, one way for both things that do it: a ``redefinition``
milestone, and a declaration that joins the incident and makes it worse.

Either way the incident takes the new facts and the severity they mean, its plan is rebuilt at
that instant, the pages it owes are decided by
:func:`muster.worker.core.paging.upgrade.pages_needed`,
and its timers follow the new level (:func:`muster.worker.timers.arm.rearm_for_severity`): the
chains it keeps re-paced from now, the ones it drops disarmed, the new ones armed. A declaration
a maintenance window still holds owes no pages and arms nothing: the beat's next scan asks
whether its new facts are still in the window's scope (:mod:`muster.worker.holds.release`).
The caller holds the incident row locked, so two redefinitions (or a redefinition and a join)
of the same incident decide one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.paging.deliveries import DeliveryPurpose
from muster.worker.core.paging.keys import disarmed_key
from muster.worker.core.paging.plan import PagePlan, PlannedPage, build_page_plan
from muster.worker.core.paging.routing import Routing, RoutingError
from muster.worker.core.paging.snapshots import plan_to_data
from muster.worker.core.paging.upgrade import Facts, pages_needed
from muster.worker.holds.declaration import still_held
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Delivery, Incident
from muster.worker.store.timeline import add_entry
from muster.worker.timers.arm import rearm_for_severity


@dataclass(frozen=True, slots=True)
class Redefined:
    """What a redefinition decided: the new plan, the pages it owes, what changed (for the
    rooms) and the chains it disarmed."""

    plan: PagePlan
    pages: tuple[PlannedPage, ...]
    detail: str
    disarmed: tuple[str, ...]


def facts_of(row: Incident) -> Facts:
    """The stored incident's severity-deciding facts."""
    return Facts(row.impact, row.urgency, tuple(row.services))


def redefine(
    session: Session, routing: Routing, row: Incident, facts: Facts, now: datetime
) -> Redefined:
    """Give the (locked) incident ``facts``: severity, plan and timers follow; returns the pages
    owed, unwritten, so the caller writes them with its own reason."""
    before = row.severity
    was_rank, was_ack = _pace(routing, before)
    row.impact, row.urgency, row.services = facts.impact, facts.urgency, list(facts.services)
    severity = routing.severity(row.impact, row.urgency)
    row.severity = severity.name
    plan = build_page_plan(routing, core_incident(row), now, severity=severity)
    if still_held(session, row.id):
        # Held by a window: nothing pages or escalates now. The next scan asks whether the new
        # facts are still in its scope, and a release pages and arms from the plan of then.
        pages: tuple[PlannedPage, ...] = ()
        disarmed: list[str] = []
    else:
        kinds = delivered_kinds(session, row.id)
        pages = pages_needed(plan, kinds, raised=severity.rank < was_rank)
        disarmed = rearm_for_severity(session, routing, row, plan, now, was=was_ack)
    row.plan = plan_to_data(plan)
    row.updated_at = now
    detail = f"Severity {before} -> {severity.name}; impact {row.impact}, urgency {row.urgency}"
    detail += f"; services {', '.join(row.services)}"
    if disarmed:
        detail += "; escalation stopped for " + ", ".join(disarmed)
    return Redefined(plan, pages, detail, tuple(disarmed))


def delivered_kinds(session: Session, incident_id: str) -> dict[str, set[str]]:
    """Each person paged for the incident, and every contact kind a page of theirs used."""
    kinds: dict[str, set[str]] = {}
    for person, kind in session.execute(
        select(Delivery.person, Delivery.kind).where(
            Delivery.incident_id == incident_id, Delivery.purpose == DeliveryPurpose.PAGE
        )
    ):
        if person is not None:
            kinds.setdefault(person, set()).add(kind)
    return kinds


def note_disarmed(
    session: Session,
    incident_id: str,
    entry_key: str,
    actor: str | None,
    disarmed: tuple[str, ...],
    now: datetime,
) -> None:
    """Say on the timeline whose escalations the redefinition (entry ``entry_key``) stopped:
    those people's next levels will not be paged, and the review should show why."""
    if not disarmed:
        return
    add_entry(
        session,
        incident_id=incident_id,
        key=disarmed_key(entry_key),
        at=now,
        kind="escalation_disarmed",
        actor=actor,
        text="No longer in the plan, escalation stopped: " + ", ".join(disarmed),
        data={"roles": list(disarmed)},
    )


def _pace(routing: Routing, severity: str) -> tuple[int, timedelta | None]:
    """A severity's rank and ``ack_within``; one the config no longer has ranks below all."""
    try:
        level = routing.level(severity)
    except RoutingError:
        return len(routing.config.level_order), None
    return level.rank, level.level.ack_within
