"""The beat's announcements of silences: each one's creation and its end (reached, or expired
early) to the rooms, once each, and a long silence's reminder to its author, once.

Run by every timer scan (:func:`muster.worker.timers.scan.scan`), so they are durable like every
timer: a silence is announced by the first scan after it is added, ended or due a reminder,
whichever process added it and whatever crashed since. Each announcement is claimed by a
conditional update of the silence's row (``announced_created_at``, ``announced_ended_at``,
``reminded_at``: set where still null) in the transaction that writes its deliveries, so two
beats scanning at once announce it once (on PostgreSQL the second's update waits for the
first's commit and then matches nothing; SQLite has one writer at a time). The deliveries are
about no incident (``incident_id`` null) and go through the outbox like every other message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from muster.worker.core.decisions.silences import Silence
from muster.worker.core.paging.keys import silence_delivery_key, silence_delivery_reason
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.core.rendering.silence_announcements import (
    CREATED,
    ENDED,
    REMINDER,
    Event,
    created_message,
    ended_message,
    reminder_message,
    silence_rooms,
)
from muster.worker.deliveries.announcements import write_announcements
from muster.worker.runtime import Runtime
from muster.worker.store.silence_rows import SilenceRow
from muster.worker.store.silences import silence_of

BATCH = 100  # silences taken per scan: there are a few at a time, not thousands


def announce_silences(rt: Runtime) -> list[int]:
    """Write the announcements due at the runtime's now; the deliveries to queue (committed)."""
    now = rt.clock.now()
    routing = rt.config.current().routing
    remind_after = routing.config.maintenance.silence_remind_after
    with rt.database.transaction() as session:
        due = session.scalars(
            select(SilenceRow)
            .where(
                or_(
                    SilenceRow.announced_created_at.is_(None),
                    and_(
                        SilenceRow.announced_ended_at.is_(None),
                        or_(SilenceRow.ends_at <= now, SilenceRow.expired_at <= now),
                    ),
                    and_(
                        SilenceRow.reminded_at.is_(None),
                        SilenceRow.expired_at.is_(None),
                        SilenceRow.ends_at > now,
                        SilenceRow.starts_at <= now - remind_after,
                    ),
                )
            )
            .order_by(SilenceRow.created_at, SilenceRow.id)
            .limit(BATCH)
        )
        ids: list[int] = []
        for silence in [silence_of(row) for row in due]:
            ids += _announce(session, routing, silence, now)
    return ids


def _announce(session: Session, routing: Routing, silence: Silence, now: datetime) -> list[int]:
    """Each announcement of ``silence`` due at ``now`` that this scan claims first."""
    zone = routing.config.zone
    rooms = [room.name for room in silence_rooms(routing, silence)]
    ids: list[int] = []
    if _claim(session, silence.id, SilenceRow.announced_created_at, now):
        ids += _write(session, silence, CREATED, created_message(silence, zone), rooms, now)
    if silence.effective_end <= now and _claim(
        session, silence.id, SilenceRow.announced_ended_at, now
    ):
        ids += _write(session, silence, ENDED, ended_message(silence, zone), rooms, now)
    author = routing.config.people.get(silence.author)
    remind_after = routing.config.maintenance.silence_remind_after
    if (
        author is not None
        and silence.ends - silence.starts > remind_after
        and silence.starts + remind_after <= now < silence.effective_end
        and _claim(session, silence.id, SilenceRow.reminded_at, now)
    ):
        kinds = [kind for kind in author.addresses if kind in routing.config.contacts.templates]
        message = reminder_message(silence, now, zone)
        ids += _write(session, silence, REMINDER, message, kinds[:1], now, silence.author)
    return ids


def _claim(
    session: Session, ident: str, column: InstrumentedAttribute[datetime | None], now: datetime
) -> bool:
    """Set ``column`` of silence ``ident`` to ``now`` where it is still null: whether this
    transaction is the one that did (and so announces)."""
    claimed = session.execute(
        update(SilenceRow)
        .where(SilenceRow.id == ident, column.is_(None))
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _write(
    session: Session,
    silence: Silence,
    event: Event,
    message: RenderedMessage,
    destinations: Iterable[str],
    now: datetime,
    person: str | None = None,
) -> list[int]:
    """A delivery per room (or, with ``person``, per contact kind of theirs)."""
    return write_announcements(
        session,
        lambda destination: silence_delivery_key(silence.id, event, destination),
        silence_delivery_reason(event),
        message,
        destinations,
        now,
        person,
    )
