"""A declaration that joins an open incident by fingerprint: an alias, a timeline entry, and —
when it makes the incident worse — the redefinition that follows.

An alert group that gets worse (Alertmanager's next notification adds a critical alert) or a
contract declaration with an open fingerprint and a higher impact must not be a mere line on the
timeline: the incident is as bad as its worst alert. The join keeps the highest impact and
urgency seen and every service (:func:`muster.worker.core.paging.upgrade.join_upgrade`), and if that
changes the incident it is redefined exactly as a ``redefinition`` milestone does
(:mod:`muster.worker.incidents.redefine`): the people newly needed paged, those already paged
given the new level's kinds they lacked, the chains re-paced, the rooms told. A join never
lowers anything; one that adds nothing pages nobody (alert storms).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from muster.worker.core.paging.keys import join_upgrade_key, joined_key, joined_reason
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.upgrade import Facts, join_upgrade
from muster.worker.core.rendering.broadcasts import render_milestone
from muster.worker.deliveries.rows import broadcast_rows, page_rows
from muster.worker.deliveries.storm import write_pages
from muster.worker.incidents.outcome import UnknownIncident
from muster.worker.incidents.redefine import facts_of, note_disarmed, redefine
from muster.worker.messages import Declared
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Incident, IncidentAlias
from muster.worker.store.timeline import add_entry

REDEFINITION = "redefinition"  # the timeline entry of a join that made the incident worse


def join(
    session: Session,
    routing: Routing,
    row: Incident,
    joining: str,
    message: Declared,
    message_id: str,
    now: datetime,
) -> tuple[int, ...]:
    """Join the (locked) open incident ``row`` under the declaration's id ``joining`` (the
    producer was given it and will send milestones, acknowledgements and resolutions under
    it); returns the deliveries to queue, none unless the join made the incident worse.

    Redelivered, the declaration finds its alias and never comes here; the keys (timeline
    entries, pages by the reason ``joined:ID``) would keep one of each regardless.
    """
    ref = message.incident_id or message_id  # what its keys are made of
    facts = Facts(message.impact, message.urgency, tuple(message.services))
    upgrade = join_upgrade(routing, facts_of(row), row.severity, facts)
    if upgrade is not None and not row.fanned_out:
        # Its pages and timers are still being written: retried, as a milestone would be.
        raise UnknownIncident(row.id)
    session.add(IncidentAlias(alias=joining, incident_id=row.id, created_at=now))
    entry = joined_key(row.id, ref)
    add_entry(
        session,
        incident_id=row.id,
        key=entry,
        at=message.declared_at or now,
        kind="joined",
        actor=message.source,
        text=message.title,
        data={"fingerprint": message.fingerprint, "services": list(message.services)},
    )
    if upgrade is None:
        return ()
    before = row.severity
    redefined = redefine(session, routing, row, upgrade, now)
    key = join_upgrade_key(row.id, ref)
    text = f"Made worse by a joining declaration: {message.title}"
    add_entry(
        session,
        incident_id=row.id,
        key=key,
        at=now,
        kind=REDEFINITION,
        actor=message.source,
        text=text,
        data={
            "joined": joining,
            "severity": row.severity,
            "was": before,
            "impact": row.impact,
            "urgency": row.urgency,
            "services": list(row.services),
            "paged": [
                f"{page.person}:{contact.kind}"
                for page in redefined.pages
                for contact in page.contacts
            ],
        },
    )
    note_disarmed(session, row.id, key, message.source, redefined.disarmed, now)
    session.flush()
    core = core_incident(row)
    reason = joined_reason(ref)
    rows = page_rows(None, routing, core, redefined.plan, redefined.pages, reason, now, write=False)
    deliveries = write_pages(session, routing, rows, now)
    rendered = render_milestone(
        core, row.severity, REDEFINITION, text, message.source, redefined.detail
    )
    deliveries += broadcast_rows(session, routing, redefined.plan, row.id, reason, rendered, now)
    return tuple(d.id for d in deliveries)
