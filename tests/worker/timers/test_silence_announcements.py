"""A silence's creation and its end are announced to the rooms once each, and a long one
reminds its author once, by the beat's scan: on SQLite and PostgreSQL, with scans repeated and
two at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from muster.worker.core.decisions.silences import Draft, Silence, plan_silence, silence_scope
from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.deliveries.send import run_batch
from muster.worker.runtime import Runtime
from muster.worker.store import silences as stored
from muster.worker.store.models import Delivery, TimelineEntry
from muster.worker.timers.scan import scan
from muster.worker.timers.silences import _announce
from tests.harness.runtimes import BOTH_DATABASES, RecordingSender, clock
from tests.harness.timer_runs import scan_while_claimed

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES)

HOUR = timedelta(hours=1)


def added(rt: Runtime, hours: int = 2, author: str = "alice", reason: str = "reindex") -> Silence:
    now = clock(rt).now()
    draft = Draft(
        scope=silence_scope(services=["payments-api"]),
        author=author,
        reason=reason,
        length=hours * HOUR,
    )
    with rt.database.transaction() as session:
        return stored.add(session, plan_silence(rt.config.current().routing.config, draft, now))


def announcements(rt: Runtime) -> list[tuple[str, str | None, str, str]]:
    with rt.database.sessions() as session:
        rows = session.scalars(select(Delivery).where(Delivery.incident_id.is_(None)))
        return [(row.reason, row.person, row.kind, row.purpose) for row in rows]


def test_a_new_silence_is_announced_to_the_incident_room_and_its_services_rooms_once(
    rt: Runtime,
) -> None:
    added(rt)
    first = scan(rt)
    again = scan(rt)
    assert len(first) == 2
    assert again == []
    assert sorted(announcements(rt)) == [
        ("silence:created", None, "incident_room", DeliveryPurpose.BROADCAST),
        ("silence:created", None, "room:payments-api", DeliveryPurpose.BROADCAST),
    ]


def test_the_announcement_is_sent_and_says_who_what_until_when_and_why(rt: Runtime) -> None:
    silence = added(rt, reason="failover <!channel> @here")
    run_batch(rt, scan(rt))
    sender = rt.sender
    assert isinstance(sender, RecordingSender)
    [(_, message), _] = sender.sent
    assert message.title == f"Silence {silence.id} by alice: pages held"
    assert "alice silenced services payments-api from Wed 2026-11-25 12:00" in message.body
    assert "until Wed 2026-11-25 14:00" in message.body
    assert "<!channel>" not in message.body
    assert "@here" not in message.body
    with rt.database.sessions() as session:
        statuses = set(session.scalars(select(Delivery.status)))
        assert statuses == {DeliveryStatus.SENT}
        assert list(session.scalars(select(TimelineEntry))) == []  # about no incident


def test_an_early_expiry_is_announced_once_naming_who_ended_it(rt: Runtime) -> None:
    silence = added(rt)
    scan(rt)
    clock(rt).advance(timedelta(minutes=20))
    with rt.database.transaction() as session:
        stored.expire(session, silence.id, clock(rt).now(), "bob")
    run_batch(rt, scan(rt))
    assert scan(rt) == []
    ended = [a for a in announcements(rt) if a[0] == "silence:ended"]
    assert len(ended) == 2
    sender = rt.sender
    assert isinstance(sender, RecordingSender)
    assert "was expired at Wed 2026-11-25 12:20 Europe/Dublin by bob" in sender.sent[-1][1].body


def test_a_silence_reaching_its_end_is_announced_once(rt: Runtime) -> None:
    added(rt, hours=1)
    scan(rt)
    clock(rt).advance(59 * timedelta(minutes=1))
    assert scan(rt) == []
    clock(rt).advance(timedelta(minutes=1))
    assert len(scan(rt)) == 2
    clock(rt).advance(HOUR)
    assert scan(rt) == []


def test_a_long_silence_reminds_its_author_once_when_it_has_held_twelve_hours(
    rt: Runtime,
) -> None:
    added(rt, hours=20)
    scan(rt)
    clock(rt).advance(12 * HOUR - timedelta(minutes=1))
    assert scan(rt) == []
    clock(rt).advance(timedelta(minutes=1))
    assert len(scan(rt)) == 1
    clock(rt).advance(HOUR)
    assert scan(rt) == []
    reminders = [a for a in announcements(rt) if a[0] == "silence:reminder"]
    assert reminders == [("silence:reminder", "alice", "email", DeliveryPurpose.REMINDER)]


def test_no_reminder_for_a_short_silence_or_an_author_not_in_the_config(rt: Runtime) -> None:
    added(rt, hours=12)
    added(rt, hours=20, author="a-contractor")
    scan(rt)
    clock(rt).advance(12 * HOUR)
    scan(rt)
    assert [a for a in announcements(rt) if a[0] == "silence:reminder"] == []


def test_two_scans_at_once_announce_once(rt: Runtime) -> None:
    """One scan has claimed the announcement and not committed; the other, started meanwhile,
    finds it claimed once the first commits (or, on SQLite, waits to begin): one set."""
    silence = added(rt)
    routing = rt.config.current().routing
    now = clock(rt).now()
    mine, theirs = scan_while_claimed(rt, lambda session: _announce(session, routing, silence, now))
    assert len(mine) == 2
    assert theirs == []
    assert len(announcements(rt)) == 2
