"""Storm control in the worker: pages over a person's limit are held, in the transaction that
writes them, under the row lock of that person's window for the kind.

The decision is :mod:`muster.worker.core.decisions.storm`'s; this module reads and writes the
``page_windows`` rows it is made from, marks held pages (status ``held``: never claimed, never
swept) and notes each on its incident's timeline. Windows are locked in (person, kind) order,
so transactions deciding for the same people cannot deadlock on them. The digests themselves
are fired by the beat's scan (:mod:`muster.worker.timers.digest`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from muster.worker.core.config.limits import Limits
from muster.worker.core.decisions.storm import Window, decide
from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.core.paging.keys import delivery_entry_key
from muster.worker.core.paging.routing import Routing
from muster.worker.deliveries.rows import NewDelivery, insert_new
from muster.worker.store.models import Delivery
from muster.worker.store.timeline import NewEntry, add_entries
from muster.worker.store.upkeep_models import PAGE_WINDOWS, PageWindow

Key = tuple[str, str]  # person, kind


def counted(limits: Limits, row: NewDelivery) -> bool:
    """Whether a delivery row counts against a limit: a page (plan, escalation, role change,
    engagement) to a person by a limited kind. Broadcasts, reminders and notices do not."""
    return (
        row.purpose == DeliveryPurpose.PAGE
        and row.person is not None
        and limits.for_page(row.person, row.kind) is not None
    )


def write_pages(
    session: Session,
    routing: Routing,
    rows: list[NewDelivery],
    now: datetime,
    known_new: bool = False,
    bypass: Collection[str] = (),
) -> list[NewDelivery]:
    """Write delivery rows (those whose keys are new), holding the pages over their limits;
    returns the rows to send (the held ones are written, not returned). ``bypass``: keys of
    top-severity first pages, never held."""
    if not known_new:
        rows = new_only(session, rows)
    held = hold_over_limits(session, routing, rows, now, bypass)
    written = insert_new(session, rows, known_new=True)
    note_held(session, routing, held, now)
    return [row for row in written if row.status != DeliveryStatus.HELD]


def new_only(session: Session, rows: list[NewDelivery]) -> list[NewDelivery]:
    """The rows whose keys are not stored yet."""
    if not rows:
        return rows
    keys = [row.key for row in rows]
    existing = set(session.scalars(select(Delivery.key).where(Delivery.key.in_(keys))))
    return [row for row in rows if row.key not in existing]


def hold_over_limits(
    session: Session,
    routing: Routing,
    rows: Iterable[NewDelivery],
    now: datetime,
    bypass: Collection[str] = (),
) -> list[NewDelivery]:
    """Decide the counted pages among ``rows`` (in order) against their windows, locked; mark
    those over the limit held and return them."""
    limits = routing.config.limits
    groups: dict[Key, list[NewDelivery]] = {}
    for row in rows:
        if counted(limits, row):
            groups.setdefault((row.person or "", row.kind), []).append(row)
    if not groups:
        return []
    windows = lock_windows(session, sorted(groups), now)
    held: list[NewDelivery] = []
    for key in sorted(groups):
        stored = windows[key]
        limit = limits.for_page(*key)
        state = Window(stored.opened_at, stored.closes_at, stored.sent, stored.held)
        state, verdicts = decide(state, limit, [row.key in bypass for row in groups[key]], now)
        stored.opened_at, stored.closes_at = state.opened_at, state.closes_at
        stored.sent, stored.held, stored.updated_at = state.sent, state.held, now
        for row, verdict in zip(groups[key], verdicts, strict=True):
            if not verdict.send:
                row.status, row.lease_until = DeliveryStatus.HELD, now
                held.append(row)
    return held


def lock_windows(session: Session, keys: list[Key], now: datetime) -> dict[Key, PageWindow]:
    """The windows of ``keys`` (sorted), created when missing, locked for this transaction
    (``FOR UPDATE`` on PostgreSQL; SQLite's writer holds the whole database already)."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    upsert = (postgresql_insert if postgresql else sqlite_insert)(PAGE_WINDOWS)
    session.execute(
        upsert.on_conflict_do_nothing(),
        [
            {"person": person, "kind": kind, "sent": 0, "held": 0, "updated_at": now}
            for person, kind in keys
        ],
    )
    query = (
        select(PageWindow)
        .where(tuple_(PageWindow.person, PageWindow.kind).in_(keys))
        .order_by(PageWindow.person, PageWindow.kind)
        .execution_options(populate_existing=True)
    )
    if postgresql:
        query = query.with_for_update()
    return {(window.person, window.kind): window for window in session.scalars(query)}


def note_held(session: Session, routing: Routing, held: list[NewDelivery], now: datetime) -> None:
    """A timeline entry for each held page (its id known once written)."""
    if not held:
        return
    limits = routing.config.limits
    entries: list[NewEntry] = []
    for row in held:
        if row.incident_id is None:  # only pages are held, and a page is an incident's
            continue
        limit = limits.for_page(row.person, row.kind)
        entries.append(
            NewEntry(
                row.incident_id,
                delivery_entry_key(row.id, "page_held", 0),
                now,
                "page_held",
                row.person,
                f"{row.kind} to {row.person} held for the digest: over {limit}",
                {
                    "delivery_id": row.id,
                    "kind": row.kind,
                    "reason": row.reason,
                    "limit": str(limit),
                },
            )
        )
    add_entries(session, entries)
