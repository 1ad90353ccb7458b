"""A delivery failed with no fallback left: is its person now unreachable, and who hears it.

Runs inside the transaction that records the failure, so the notice is written with it: the
notice's deliveries are ordinary rows (leased, retried, recorded, swept after a crash, with
fallback), returned for the caller to queue. Only a page is ever noticed; a notice that fails
is noted on the timeline, and when every notice about a person failed the timeline says that
nobody could be told. That is where it ends: no notice about a notice.

The decision "every kind of this page failed" must be taken by exactly one of the concurrent
failures of that page. The incident row is locked first (``FOR NO KEY UPDATE`` on
PostgreSQL, which inserts' foreign-key checks do not wait for; SQLite's writers are serial):
the last failure to take it sees every other one committed, and only it finds none still
reaching the person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.paging.deliveries import DeliveryPurpose
from muster.worker.core.paging.keys import (
    NOTICE_REASON,
    delivery_entry_key,
    notice_reason,
    unreachable_key,
    untold_key,
)
from muster.worker.core.paging.plan import Assignment
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.snapshots import page_from_data, plan_from_data
from muster.worker.core.rendering.unreachable import (
    NOTICE,
    FailedPage,
    notice_unreachable,
    still_reaching,
    untold_text,
)
from muster.worker.deliveries.rows import broadcast_rows, page_rows
from muster.worker.store.incident_rows import core_incident
from muster.worker.store.models import Delivery, Incident, TimelineEntry
from muster.worker.store.timeline import add_entry


def given_up(
    session: Session,
    routing: Routing,
    row: Delivery,
    now: datetime,
    bound: structlog.stdlib.BoundLogger,
) -> list[int]:
    """``row`` failed for good with no fallback: tell whoever must hear it; return the notice's
    deliveries to queue."""
    noticing = row.reason.startswith(NOTICE_REASON)
    if row.incident_id is None:
        return []  # a shift notice or a test page: its row records the failure, nobody else
    if row.person is None and not noticing:
        return []  # a broadcast: its failure is on the timeline already
    incident = session.scalar(
        select(Incident).where(Incident.id == row.incident_id).with_for_update(key_share=True)
    )
    if incident is None:
        return []
    siblings: list[Any] = []
    if row.person is not None:
        siblings = list(
            session.execute(
                select(Delivery.id, Delivery.kind, Delivery.status, Delivery.page)
                .where(
                    Delivery.incident_id == row.incident_id,
                    Delivery.purpose == row.purpose,
                    Delivery.person == row.person,
                    Delivery.reason == row.reason,
                )
                .order_by(Delivery.id)
            )
        )
        if still_reaching(sibling.status for sibling in siblings):
            bound.info(f"{row.purpose}.still_reaching")  # another kind may reach them yet
            return []
    if row.purpose == DeliveryPurpose.PAGE:
        return _tell(session, routing, incident, row, siblings, now, bound)
    if row.person is not None:
        kinds = ", ".join(dict.fromkeys(sibling.kind for sibling in siblings))
        add_entry(
            session,
            row.incident_id,
            delivery_entry_key(row.id, f"{row.purpose}_undeliverable", row.attempts),
            now,
            f"{row.purpose}_undeliverable",
            row.person,
            f"{row.person} could not be reached by {kinds}",
            {"delivery_id": row.id, "kinds": list(dict.fromkeys(s.kind for s in siblings))},
        )
        bound.error(f"{row.purpose}.undeliverable", kinds=kinds)
    if noticing:
        _nobody_told(session, incident, row.reason, now, bound)
    return []


def _tell(
    session: Session,
    routing: Routing,
    incident: Incident,
    row: Delivery,
    siblings: list[Any],
    now: datetime,
    bound: structlog.stdlib.BoundLogger,
) -> list[int]:
    """Every kind of a page failed: the notice to the room and the commander, and the entry."""
    person = row.person or ""
    first = siblings[0]
    key = unreachable_key(incident.id, first.id)
    if _recorded(session, key):
        return []
    held: tuple[Assignment, ...] = page_from_data(first.page).assignments if first.page else ()
    people = routing.config.people
    failed = FailedPage(
        person=person,
        name=people[person].name if person in people else person,
        roles=tuple(dict.fromkeys(a.label for a in held)),
        kinds=tuple(dict.fromkeys(sibling.kind for sibling in siblings)),
    )
    plan = plan_from_data(incident.plan)
    core = core_incident(incident)
    notice = notice_unreachable(routing, plan, core, incident.severity, failed, held, now)
    text, created = notice.timeline, []
    if incident.state == "resolved":
        text = f"{person} could not be reached by {', '.join(failed.kinds)} (incident resolved)"
    else:
        reason = notice_reason(first.id)
        created = page_rows(
            session,
            routing,
            core,
            plan,
            notice.people,
            reason,
            now,
            rendered_as=notice.message,
            purpose=NOTICE,
        )
        created += broadcast_rows(
            session,
            routing,
            plan,
            incident.id,
            reason,
            notice.message,
            now,
            destinations=notice.rooms,
        )
    told = [page.person for page in notice.people] + list(notice.rooms)
    add_entry(
        session,
        incident.id,
        key,
        now,
        "page_undeliverable",
        person,
        text,
        {
            "delivery_id": row.id,
            "kinds": list(failed.kinds),
            "roles": list(failed.roles),
            "told": told if created else [],
        },
    )
    bound.error("page.undeliverable", kinds=list(failed.kinds), told=told if created else [])
    return [delivery.id for delivery in created]


def _nobody_told(
    session: Session,
    incident: Incident,
    reason: str,
    now: datetime,
    bound: structlog.stdlib.BoundLogger,
) -> None:
    """A notice failed for good: when all of them about that person did, the timeline says so."""
    notices = list(
        session.execute(
            select(Delivery.person, Delivery.kind, Delivery.status)
            .where(Delivery.incident_id == incident.id, Delivery.reason == reason)
            .order_by(Delivery.id)
        )
    )
    key = untold_key(incident.id, reason)
    if still_reaching(notice.status for notice in notices) or _recorded(session, key):
        return
    page = session.get(Delivery, int(reason.removeprefix(NOTICE_REASON)))
    person = page.person if page is not None and page.person else "someone"
    recipients = list(dict.fromkeys(notice.person or notice.kind for notice in notices))
    add_entry(
        session,
        incident.id,
        key,
        now,
        "unreachable_untold",
        person,
        untold_text(person, recipients),
        {"told": recipients},
    )
    bound.error("notice.nobody_told", unreachable=person, recipients=recipients)


def _recorded(session: Session, key: str) -> bool:
    return session.scalar(select(TimelineEntry.id).where(TimelineEntry.key == key)) is not None
