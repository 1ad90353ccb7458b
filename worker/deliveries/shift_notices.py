"""Telling people their shifts changed: one notice each, written to the outbox like a page.

``muster override add|remove`` and ``muster take`` publish ``muster.shifts.changed`` once the
overrides file is written; the worker asks the core who gains and who is relieved
(:mod:`muster.worker.core.paging.shift_changes`, from the routing before and after the
change: :mod:`muster.worker.core.paging.override_change`) from now to the override's end, and
writes a delivery per person, by their first contact kind. The rows belong to no incident; they
are leased, retried and recorded like any page. A person already told of this change (a
redelivered message, a second worker) is not told again: the reason names the override and the
action, and a person is told once per reason whatever kind reaches them.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import select

from muster.worker.core.paging.deliveries import DeliveryPurpose
from muster.worker.core.paging.keys import shift_notice_key, shift_notice_reason
from muster.worker.core.paging.override_change import OverrideChange, configs_around
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.shift_changes import PersonChange, shift_changes
from muster.worker.core.rendering.shift_notice import ChangeFacts, render_shift_notice
from muster.worker.deliveries.rows import NewDelivery, insert_new, message_row
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery

log = structlog.get_logger("muster.delivery")


def notice_rows(
    routing: Routing,
    reason: str,
    changes: tuple[PersonChange, ...],
    facts: ChangeFacts,
    now: datetime,
) -> list[NewDelivery]:
    """A pending delivery per person in ``changes``, by their first contact kind (a person no
    kind reaches is logged and skipped: nothing would carry it)."""
    rows = []
    for change in changes:
        kinds = routing.contact_kinds(change.person)
        if not kinds:
            log.warning("shift_notice.unreachable", person=change.person, reason=reason)
            continue
        kind = kinds[0]
        rows.append(
            message_row(
                key=shift_notice_key(reason, change.person, kind),
                purpose=DeliveryPurpose.SHIFT_NOTICE,
                reason=reason,
                person=change.person,
                kind=kind,
                message=render_shift_notice(kind, routing.config, change, facts),
                now=now,
            )
        )
    return rows


def write_notices(rt: Runtime, rows: list[NewDelivery]) -> list[int]:
    """Write the rows of people not yet told for their reason; their ids, to queue."""
    if not rows:
        return []
    with rt.database.transaction() as session:
        told = set(
            session.scalars(
                select(Delivery.person).where(
                    Delivery.purpose == DeliveryPurpose.SHIFT_NOTICE,
                    Delivery.reason.in_({row.reason for row in rows}),
                )
            )
        )
        fresh = [row for row in rows if row.person not in told]
        return [row.id for row in insert_new(session, fresh)]


def tell_override_change(rt: Runtime, change: OverrideChange) -> list[int]:
    """Write the notices of an override added or removed; the deliveries to queue."""
    routing = rt.config.current().routing
    now = rt.clock.now()
    starts = max(change.starts, now)
    if change.until <= starts:
        return []  # over already: nobody's shifts change from now on
    before, after = configs_around(routing.config, change)
    changes = shift_changes(
        Routing.from_config(before),
        Routing.from_config(after),
        starts,
        change.until,
        frozenset({change.rotation}),
    )
    facts = ChangeFacts(
        what=f"override {change.ident} {change.action}", by=change.by, reason=change.reason
    )
    ids = write_notices(rt, notice_rows(routing, change.reason_key, changes, facts, now))
    log.info(
        "shift_notice.written",
        override=change.ident,
        action=change.action,
        people=[c.person for c in changes],
        deliveries=len(ids),
    )
    return ids


def tell_edit(
    rt: Runtime, edit: str, people: tuple[PersonChange, ...], by: str | None
) -> list[int]:
    """Write the notices of a config edit gone live (``edit``: its pair of hashes); the
    deliveries to queue."""
    routing = rt.config.current().routing
    reason = shift_notice_reason(edit)
    facts = ChangeFacts(what="a config edit", by=by, reason="")
    ids = write_notices(rt, notice_rows(routing, reason, people, facts, rt.clock.now()))
    log.info("shift_notice.written", edit=edit, people=len(people), deliveries=len(ids))
    return ids
