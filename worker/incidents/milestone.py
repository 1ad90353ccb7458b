"""A milestone: a timeline entry, what it changes, whom it pages, and the rooms told.

``redefinition`` recomputes severity and services (:mod:`muster.worker.incidents.redefine`, as a
join that makes the incident worse does): it pages the people the new plan needs who were not
paged, and on an upgrade the new level's kinds the others did not get; it re-paces the chains it
keeps and stops the escalations of roles and services the new plan no longer contains;
``support_update`` and ``redefinition`` set the impact statement; ``state_change`` sets the state;
``role_change`` hands a role over and pages the new holder; ``engage`` pages named people and the
on-call SMEs of named services now.
"""

from __future__ import annotations

from collections.abc import Sequence

from muster.worker.core.intake.message_names import refusal
from muster.worker.core.paging.keys import milestone_key, milestone_reason
from muster.worker.core.paging.plan import PlannedPage
from muster.worker.core.paging.plan_changes import plan_engagement, reassign_role
from muster.worker.core.paging.snapshots import plan_from_data, plan_to_data
from muster.worker.core.paging.upgrade import Facts
from muster.worker.core.rendering.broadcasts import render_milestone
from muster.worker.deliveries.rows import broadcast_rows, page_rows
from muster.worker.deliveries.storm import write_pages
from muster.worker.incidents.outcome import Outcome
from muster.worker.incidents.records import close, consume, declared_incident, recorded
from muster.worker.incidents.redefine import facts_of, note_disarmed, redefine
from muster.worker.messages import InvalidMessage, Milestone
from muster.worker.runtime import Runtime
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Incident
from muster.worker.store.timeline import add_entry
from muster.worker.timers.arm import cancel_all, restart_role_chain


def handle_milestone(rt: Runtime, message: Milestone, message_id: str) -> Outcome:
    """Record a milestone on the timeline, apply what it changes, page who it needs, broadcast."""
    now = rt.clock.now()
    routing = rt.config.current().routing
    key = milestone_key(message.incident_id, message.milestone_id or message_id)
    refused = refusal(routing.config, message)
    if refused:
        raise InvalidMessage(refused)
    with rt.database.transaction() as session:
        row = declared_incident(session, message.incident_id, lock=True)
        if recorded(session, key):
            return Outcome(row.id, note="duplicate milestone: no-op")
        at = message.at or now
        plan = plan_from_data(row.plan)
        core = core_incident(row)
        pages: Sequence[PlannedPage] = ()
        detail = ""
        reason = milestone_reason(message.kind, message.milestone_id or message_id)
        if message.kind == "redefinition":
            redefined = redefine(session, routing, row, _facts(row, message), now)
            row.impact_statement = message.text
            plan, pages, detail = redefined.plan, redefined.pages, redefined.detail
            core = core_incident(row)
            note_disarmed(session, row.id, key, message.author, redefined.disarmed, now)
        elif message.kind == "support_update":
            row.impact_statement = message.text
        elif message.kind == "state_change" and message.state is not None:
            detail = f"State: {row.state} -> {message.state}"
            row.state = message.state
            if message.state == "resolved":
                close(session, row, at)
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
        add_entry(
            session,
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
        session.flush()
        rows = page_rows(None, routing, core, plan, pages, reason, now, write=False)
        deliveries = write_pages(session, routing, rows, now)
        rendered = render_milestone(
            core, row.severity, message.kind, message.text, message.author, detail
        )
        deliveries += broadcast_rows(session, routing, plan, row.id, reason, rendered, now)
        consume(session, message_id, now)
    return Outcome(row.id, tuple(d.id for d in deliveries))


def _facts(row: Incident, message: Milestone) -> Facts:
    """The incident as the redefinition says it is now (what it leaves out stays as it was)."""
    was = facts_of(row)
    return Facts(
        message.impact or was.impact,
        message.urgency or was.urgency,
        tuple(message.services or was.services),
    )
