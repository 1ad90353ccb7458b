"""A maintenance window's occurrence is announced to the rooms at its start and at its end, once
each, and a long one reminds the window's author once, by the beat's scan: on SQLite and
PostgreSQL, with scans repeated and two at once, within the look-back only, and early when an
edit takes the window away."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.deliveries.send import run_batch
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery
from muster.worker.timers.scan import scan
from muster.worker.timers.windows import announce_at
from tests.harness.holding import hold
from tests.harness.runtimes import BOTH_DATABASES, RecordingSender, clock
from tests.harness.timer_runs import scan_while_claimed

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES)

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

# The clock is at Wednesday 2026-11-25 12:00 (Dublin on GMT): this one starts five minutes on.
FAILOVER: dict[str, Any] = {
    "reason": "PostgreSQL failover, CHG-1234",
    "scope": {"services": ["payments-api"]},
    "start": "2026-11-25T12:05",
    "end": "2026-11-25T13:00",
}
ROOMS = ["incident_room", "room:payments-api"]


def announced(rt: Runtime, edge: str) -> list[str]:
    """The destinations of the window announcements of ``edge``, sorted."""
    with rt.database.sessions() as session:
        rows = session.scalars(select(Delivery).where(Delivery.reason == f"window:{edge}"))
        return sorted(row.kind for row in rows)


def sent(rt: Runtime) -> list[tuple[str, str]]:
    """Every message sent so far: (title, body)."""
    sender = rt.sender
    assert isinstance(sender, RecordingSender)
    return [(message.title, message.body) for _, message in sender.sent]


def scan_at(rt: Runtime, minutes: float) -> list[int]:
    """Move the clock ``minutes`` on, scan, and send what the scan wrote."""
    clock(rt).advance(minutes * MINUTE)
    ids = scan(rt)
    run_batch(rt, ids)
    return ids


def test_a_window_starting_is_announced_to_the_incident_room_and_its_services_rooms_once(
    rt: Runtime,
) -> None:
    hold(rt, failover=FAILOVER)
    assert scan_at(rt, 4) == []
    assert len(scan_at(rt, 1)) == 2
    assert scan_at(rt, 1) == []
    assert announced(rt, "started") == ROOMS
    with rt.database.sessions() as session:
        rows = list(session.scalars(select(Delivery)))
    assert {(row.incident_id, row.purpose, row.status) for row in rows} == {
        (None, DeliveryPurpose.BROADCAST, DeliveryStatus.SENT)
    }


def test_the_start_says_what_is_held_until_when_and_why_escaped(rt: Runtime) -> None:
    hold(rt, failover={**FAILOVER, "reason": "failover <!channel> @here"})
    scan_at(rt, 5)
    [(title, body), _] = sent(rt)
    assert title == "Maintenance window failover: pages held"
    assert "holds services payments-api from Wed 2026-11-25 12:05 Europe/Dublin" in body
    assert "until Wed 2026-11-25 13:00 Europe/Dublin" in body
    assert "<!channel>" not in body
    assert "@here" not in body


def test_a_window_reaching_its_end_is_announced_once_to_the_same_rooms(rt: Runtime) -> None:
    hold(rt, failover=FAILOVER)
    scan_at(rt, 5)
    assert scan_at(rt, 54) == []
    assert len(scan_at(rt, 1)) == 2
    assert scan_at(rt, 60) == []
    assert announced(rt, "ended") == ROOMS
    title, body = sent(rt)[-1]
    assert title == "Maintenance window failover ended: pages resume"
    assert "ended at Wed 2026-11-25 13:00 Europe/Dublin" in body


def test_two_scans_at_once_announce_once(rt: Runtime) -> None:
    """One scan has claimed the start and not committed; the other, started meanwhile, finds
    it claimed once the first commits (or, on SQLite, waits to begin): one set."""
    hold(rt, failover=FAILOVER)
    clock(rt).advance(5 * MINUTE)
    routing = rt.config.current().routing
    now = clock(rt).now()
    mine, theirs = scan_while_claimed(rt, lambda session: announce_at(session, routing, now))
    assert len(mine) == 2
    assert theirs == []
    assert announced(rt, "started") == ROOMS


def test_a_scan_that_dies_before_its_commit_leaves_the_announcement_to_the_next(
    rt: Runtime,
) -> None:
    """As a beat killed mid-scan: its claim and deliveries roll back together."""
    hold(rt, failover=FAILOVER)
    clock(rt).advance(5 * MINUTE)
    routing = rt.config.current().routing

    def killed_after_claiming() -> None:
        with rt.database.transaction() as session:
            assert len(announce_at(session, routing, clock(rt).now())) == 2
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        killed_after_claiming()
    assert announced(rt, "started") == []
    assert len(scan_at(rt, 0.5)) == 2


def test_a_start_seen_within_fifteen_minutes_is_still_announced(rt: Runtime) -> None:
    hold(rt, failover=FAILOVER)
    assert len(scan_at(rt, 5 + 14)) == 2


def test_a_beat_down_longer_than_the_look_back_announces_neither_edge(rt: Runtime) -> None:
    """The beat was down from before the start until 12:21: the start is not announced, and
    so neither is the end."""
    hold(rt, failover=FAILOVER)
    assert scan_at(rt, 21) == []
    assert scan_at(rt, 39) == []
    assert announced(rt, "started") == announced(rt, "ended") == []


def test_an_end_missed_by_more_than_the_look_back_is_not_announced_late(rt: Runtime) -> None:
    hold(rt, failover=FAILOVER)
    scan_at(rt, 5)
    assert scan_at(rt, 55 + 15) == []
    assert scan_at(rt, 60) == []
    assert announced(rt, "ended") == []


def test_a_window_edited_away_mid_occurrence_announces_its_early_end_once(rt: Runtime) -> None:
    hold(rt, failover=FAILOVER)
    scan_at(rt, 5)
    clock(rt).advance(20 * MINUTE)
    hold(rt)  # ops removed it from the config at 12:25
    assert len(scan_at(rt, 0)) == 2
    assert scan_at(rt, 1) == []
    assert announced(rt, "ended") == ROOMS
    title, body = sent(rt)[-1]
    assert title == "Maintenance window failover ended: pages resume"
    assert "ended early at Wed 2026-11-25 12:25" in body
    assert "no longer has it holding until Wed 2026-11-25 13:00" in body


def test_a_window_cut_short_to_the_past_announces_its_early_end(rt: Runtime) -> None:
    hold(rt, failover=FAILOVER)
    scan_at(rt, 5)
    clock(rt).advance(30 * MINUTE)
    hold(rt, failover={**FAILOVER, "end": "2026-11-25T12:10"})  # at 12:35
    assert len(scan_at(rt, 0)) == 2
    assert "ended early at Wed 2026-11-25 12:35" in sent(rt)[-1][1]


def test_a_window_extended_is_announced_ending_at_its_new_end(rt: Runtime) -> None:
    hold(rt, failover=FAILOVER)
    scan_at(rt, 5)
    hold(rt, failover={**FAILOVER, "end": "2026-11-25T14:00"})
    assert scan_at(rt, 55) == []  # 13:00: still held
    assert scan_at(rt, 59) == []
    assert len(scan_at(rt, 1)) == 2  # 14:00
    assert "ended at Wed 2026-11-25 14:00" in sent(rt)[-1][1]


def test_each_occurrence_of_a_recurring_window_is_announced(rt: Runtime) -> None:
    daily = {
        "reason": "nightly batch",
        "scope": {"services": ["payments-api"]},
        "start": "2026-11-25T12:05",
        "recurrence": "FREQ=DAILY",
        "duration": "1h",
    }
    hold(rt, nightly=daily)
    for _ in range(2):
        scan_at(rt, 5)
        scan_at(rt, 60)
        scan_at(rt, 23 * 60 - 5)
    assert announced(rt, "started") == sorted(ROOMS * 2)
    assert announced(rt, "ended") == sorted(ROOMS * 2)


def test_a_long_window_reminds_its_author_once_when_it_has_held_twelve_hours(
    rt: Runtime,
) -> None:
    hold(rt, failover={**FAILOVER, "end": "2026-11-26T08:05", "author": "alice"})
    scan_at(rt, 5)
    assert scan_at(rt, 12 * 60 - 1) == []
    assert len(scan_at(rt, 1)) == 1
    assert scan_at(rt, 60) == []
    with rt.database.sessions() as session:
        rows = session.scalars(select(Delivery).where(Delivery.reason == "window:reminder"))
        reminders = [(row.person, row.kind, row.purpose) for row in rows]
    assert reminders == [("alice", "email", DeliveryPurpose.REMINDER)]
    title, body = sent(rt)[-1]
    assert title == "Your maintenance window failover still holds pages"
    assert "has held pages for 12h" in body


def test_no_reminder_for_a_window_of_twelve_hours_or_one_without_an_author(rt: Runtime) -> None:
    hold(
        rt,
        short={**FAILOVER, "end": "2026-11-26T00:05", "author": "alice"},
        anonymous={**FAILOVER, "end": "2026-11-26T08:05"},
    )
    scan_at(rt, 5)
    scan_at(rt, 12 * 60)
    assert announced(rt, "reminder") == []
