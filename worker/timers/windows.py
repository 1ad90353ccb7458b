"""The beat's announcements of maintenance windows: each occurrence's start and end to the
rooms, once each, and a long occurrence's reminder to the window's author, once.

Run by every timer scan (:func:`muster.worker.timers.scan.scan`), beside the silences'. The
core decides which edges are due at the scan's instant
(:mod:`muster.worker.core.decisions.window_edges`: the look-back, the pairing of ends with
announced starts, edits); each is claimed by inserting its ``window_edges`` row (unique per
window, occurrence start and edge; ``ON CONFLICT DO NOTHING``) in the transaction that writes
its deliveries, so two beats announce it once and a beat killed before its commit leaves it to
the next scan. The deliveries are about no incident and go through the outbox like every other
message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, exists, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from muster.worker.core.decisions.holds import Hold
from muster.worker.core.decisions.window_edges import (
    ENDED,
    LOOK_BACK,
    REMINDER,
    STARTED,
    Announced,
    Edge,
    announce_zone,
    ending,
    reminders_due,
    starting,
)
from muster.worker.core.decisions.windows import active_windows
from muster.worker.core.paging.keys import window_delivery_key, window_delivery_reason
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.core.rendering.window_announcements import (
    ended_message,
    reminder_message,
    started_message,
    window_rooms,
)
from muster.worker.deliveries.announcements import write_announcements
from muster.worker.runtime import Runtime
from muster.worker.store.window_edge_rows import WINDOW_EDGES, WindowEdge


def announce_windows(rt: Runtime) -> list[int]:
    """Write the window announcements due at the runtime's now; the deliveries to queue
    (committed)."""
    now = rt.clock.now()
    routing = rt.config.current().routing
    with rt.database.transaction() as session:
        return announce_at(session, routing, now)


def announce_at(session: Session, routing: Routing, now: datetime) -> list[int]:
    """Each window announcement due at ``now`` that this transaction claims first."""
    config = routing.config
    active = active_windows(config, now)
    ids: list[int] = []
    for hold in starting(active, now):
        rooms = [room.name for room in window_rooms(routing, hold)]
        if _claim(session, hold.name, hold.starts, STARTED, hold.ends, hold.reason, rooms, now):
            message = started_message(hold, announce_zone(config, hold.name))
            ids += _write(session, hold.name, hold.starts, STARTED, message, rooms, now)
    ended, moved = ending(config, _announced_open(session, now), now)
    for occurrence in moved:
        _record_end(session, occurrence)
    for end in ended:
        occurrence = end.occurrence
        rooms = list(occurrence.rooms)
        if _claim(session, occurrence.name, occurrence.starts, ENDED, end.at, "", rooms, now):
            message = ended_message(end, announce_zone(config, occurrence.name))
            ids += _write(session, occurrence.name, occurrence.starts, ENDED, message, rooms, now)
    for hold in reminders_due(config, active, now):
        ids += _remind(session, routing, hold, now)
    return ids


def _announced_open(session: Session, now: datetime) -> list[Announced]:
    """The occurrences whose start was announced and whose end was not, last seen ending
    within the look-back or later."""
    end = aliased(WindowEdge)
    rows = session.scalars(
        select(WindowEdge)
        .where(
            WindowEdge.edge == STARTED,
            WindowEdge.ends_at > now - LOOK_BACK,
            ~exists().where(
                and_(
                    end.window_name == WindowEdge.window_name,
                    end.starts_at == WindowEdge.starts_at,
                    end.edge == ENDED,
                )
            ),
        )
        .order_by(WindowEdge.starts_at, WindowEdge.window_name)
    )
    return [
        Announced(row.window_name, row.starts_at, row.ends_at, row.reason, tuple(row.rooms))
        for row in rows
    ]


def _record_end(session: Session, occurrence: Announced) -> None:
    """Record the end an edit moved an announced occurrence to (its end is announced then)."""
    session.execute(
        update(WINDOW_EDGES)
        .where(
            WINDOW_EDGES.c.window_name == occurrence.name,
            WINDOW_EDGES.c.starts_at == occurrence.starts,
            WINDOW_EDGES.c.edge == STARTED,
        )
        .values(ends_at=occurrence.ends)
    )


def _remind(session: Session, routing: Routing, hold: Hold, now: datetime) -> list[int]:
    """The reminder to the window's author, by their first contact kind, if this scan claims
    it first."""
    author = routing.config.people[hold.author or ""]
    kinds = [kind for kind in author.addresses if kind in routing.config.contacts.templates]
    if not _claim(session, hold.name, hold.starts, REMINDER, hold.ends, hold.reason, [], now):
        return []
    message = reminder_message(hold, now, announce_zone(routing.config, hold.name))
    return _write(session, hold.name, hold.starts, REMINDER, message, kinds[:1], now, hold.author)


def _claim(
    session: Session,
    name: str,
    starts: datetime,
    edge: Edge,
    ends: datetime,
    reason: str,
    rooms: list[str],
    now: datetime,
) -> bool:
    """Insert the edge's row unless it is there: whether this transaction is the one that did
    (and so announces). A concurrent insert of the same edge waits for this one's commit."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    statement = (postgresql_insert if postgresql else sqlite_insert)(WINDOW_EDGES)
    claimed = session.scalars(
        statement.values(
            window_name=name,
            starts_at=starts,
            edge=edge,
            ends_at=ends,
            reason=reason,
            rooms=rooms,
            announced_at=now,
        )
        .on_conflict_do_nothing()
        .returning(WINDOW_EDGES.c.id)
    )
    return claimed.first() is not None


def _write(
    session: Session,
    name: str,
    starts: datetime,
    edge: Edge,
    message: RenderedMessage,
    destinations: Iterable[str],
    now: datetime,
    person: str | None = None,
) -> list[int]:
    """A delivery per room (or, with ``person``, per contact kind of theirs)."""
    reason = window_delivery_reason(edge)

    def key(destination: str) -> str:
        return window_delivery_key(name, starts, edge, destination)

    return write_announcements(session, key, reason, message, destinations, now, person)
