"""Maintenance windows in time: occurrences, the windows active at an instant, what holds an
incident, and the next boundary the beat will arm on.

Wall-clock times are read as RFC 5545 reads them (a repeated time: its first occurrence; a
skipped time: with the offset from before the change); durations are real elapsed time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from muster.worker.core.config.maintenance import HoldScope
from muster.worker.core.decisions.holds import SILENCE, Hold, Subject, holding
from muster.worker.core.decisions.windows import (
    active_windows,
    next_boundary,
    windows_between,
)
from tests.harness.window_configs import config_with, recurring

DUBLIN = ZoneInfo("Europe/Dublin")
SPRING_2027 = datetime(2027, 3, 28, tzinfo=UTC)  # Dublin: 01:00 GMT becomes 02:00 IST


def weekly(**extra: Any) -> dict[str, Any]:
    """A window every Sunday 03:00 for an hour, from 2026-01-04."""
    return recurring("FREQ=WEEKLY;BYDAY=SU", "1h") | extra


def once(start: str, end: str, **extra: Any) -> dict[str, Any]:
    """A one-off window on the api service."""
    return {
        "reason": "Failover",
        "scope": {"services": ["api"]},
        "start": start,
        "end": end,
    } | extra


class TestOccurrences:
    """A window's occurrences are its rule's wall-clock times, each lasting its duration."""

    def test_a_weekly_window_occurs_each_sunday_at_its_local_time(self) -> None:
        """In Dublin, 03:00 local is 03:00 UTC in winter and 02:00 UTC in summer."""
        config = config_with({"reindex": weekly()}, timezone="Europe/Dublin")
        winter = windows_between(
            config, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 15, tzinfo=UTC)
        )
        assert [hold.starts for hold in winter] == [
            datetime(2026, 12, 6, 3, tzinfo=UTC),
            datetime(2026, 12, 13, 3, tzinfo=UTC),
        ]
        summer = windows_between(
            config, datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 6, tzinfo=UTC)
        )
        assert [(hold.starts, hold.ends) for hold in summer] == [
            (datetime(2026, 7, 5, 2, tzinfo=UTC), datetime(2026, 7, 5, 3, tzinfo=UTC))
        ]

    def test_a_skipped_time_is_read_with_the_offset_from_before_the_change(self) -> None:
        """01:30 on Dublin's spring-forward day is 01:30 GMT (02:30 IST), as RFC 5545 says."""
        config = config_with(
            {"night": weekly(start="2027-01-03T01:30", duration="2h")}, timezone="Europe/Dublin"
        )
        (hold,) = windows_between(config, SPRING_2027, SPRING_2027 + timedelta(hours=12))
        assert hold.starts == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
        assert hold.starts.astimezone(DUBLIN).hour == 2

    def test_a_window_across_a_dst_change_lasts_its_real_duration(self) -> None:
        """A 2h window from 00:30 on spring-forward day ends 2 real hours later (03:30 IST)."""
        config = config_with(
            {"night": weekly(start="2027-01-03T00:30", duration="2h")}, timezone="Europe/Dublin"
        )
        (hold,) = windows_between(config, SPRING_2027, SPRING_2027 + timedelta(hours=12))
        assert hold.ends - hold.starts == timedelta(hours=2)
        assert hold.ends.astimezone(DUBLIN).strftime("%H:%M") == "03:30"

    def test_a_one_off_window_in_its_own_zone(self) -> None:
        """A window's ``timezone`` wins over the config's."""
        config = config_with(
            {"failover": once("2026-12-12T22:00", "2026-12-13T02:00", timezone="America/New_York")}
        )
        (hold,) = windows_between(
            config, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
        )
        assert hold.starts == datetime(2026, 12, 13, 3, tzinfo=UTC)
        assert hold.ends == datetime(2026, 12, 13, 7, tzinfo=UTC)

    def test_an_until_in_utc_ends_the_rule(self) -> None:
        """``UNTIL=…Z`` is an instant: the occurrence starting after it is not one."""
        config = config_with(
            {"reindex": weekly(recurrence="FREQ=WEEKLY;BYDAY=SU;UNTIL=20260111T030000Z")}
        )
        found = windows_between(
            config, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
        )
        assert [hold.starts.day for hold in found] == [4, 11]

    def test_a_rule_that_never_occurs_is_answered_at_once(self) -> None:
        """February 30th never comes: no occurrence, no boundary, and no search to year 9999."""
        config = config_with({"never": weekly(recurrence="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")})
        now = datetime(2026, 12, 1, tzinfo=UTC)
        assert windows_between(config, now, now + timedelta(weeks=520)) == []
        assert next_boundary(config, now) is None


class TestActiveAndHolding:
    """Which windows are active at an instant, and which hold an incident."""

    @pytest.fixture
    def config(self) -> Any:
        return config_with(
            {
                "reindex": weekly(scope={"services": ["api"], "severities": ["SEV2"]}),
                "db": once(
                    "2026-12-13T02:00",
                    "2026-12-13T05:00",
                    scope={"match": {"team": "db"}},
                    existing="pause",
                    on_end="nothing",
                ),
            }
        )

    def test_active_windows_are_those_covering_the_instant(self, config: Any) -> None:
        """The start is in, the end is out."""
        at = datetime(2026, 12, 13, 3, tzinfo=UTC)
        assert {hold.name for hold in active_windows(config, at)} == {"reindex", "db"}
        assert {hold.name for hold in active_windows(config, at + timedelta(hours=1))} == {"db"}
        assert active_windows(config, at + timedelta(hours=2)) == []

    def test_an_incident_is_held_when_every_part_of_a_scope_matches(self, config: Any) -> None:
        """Services and severity must both match; a label matcher alone holds any service."""
        at = datetime(2026, 12, 13, 3, 30, tzinfo=UTC)
        holds = active_windows(config, at)
        api_sev2 = holding(holds, Subject(services=("api",), severity="SEV2"), at)
        assert [hold.name for hold in api_sev2] == ["reindex"]
        assert holding(holds, Subject(services=("api",), severity="SEV1"), at) == ()
        db = holding(holds, Subject(services=("x",), severity="SEV1", labels={"team": "db"}), at)
        assert [(hold.name, hold.existing, hold.on_end) for hold in db] == [
            ("db", "pause", "nothing")
        ]

    def test_an_incident_also_on_a_service_outside_the_scope_is_not_held(self, config: Any) -> None:
        """Planned work on one service does not hide that another is down too."""
        at = datetime(2026, 12, 13, 3, 30, tzinfo=UTC)
        subject = Subject(services=("api", "billing"), severity="SEV2")
        assert holding(active_windows(config, at), subject, at) == ()

    def test_a_silence_holds_through_the_same_matching(self, config: Any) -> None:
        """A silence is a hold of the same shape: a window and it hold the same incidents."""
        at = datetime(2026, 12, 13, 3, 30, tzinfo=UTC)
        silence = Hold(
            kind=SILENCE,
            name="s-1",
            reason="reindex",
            scope=HoldScope(services=["api"], severities=["SEV2"]),
            starts=at - timedelta(minutes=5),
            ends=at + timedelta(hours=2),
        )
        subject = Subject(services=("api",), severity="SEV2")
        held = holding([*active_windows(config, at), silence], subject, at)
        assert [hold.name for hold in held] == ["reindex", "s-1"]  # soonest to end first


class TestNextBoundary:
    """The next instant a window (or silence) starts or ends."""

    def test_the_next_boundary_is_the_nearest_start_or_end(self) -> None:
        """Before a weekly window, its start; inside it, its end."""
        config = config_with({"reindex": weekly()})
        saturday = datetime(2026, 12, 12, 12, tzinfo=UTC)
        assert next_boundary(config, saturday) == datetime(2026, 12, 13, 3, tzinfo=UTC)
        inside = datetime(2026, 12, 13, 3, 15, tzinfo=UTC)
        assert next_boundary(config, inside) == datetime(2026, 12, 13, 4, tzinfo=UTC)

    def test_a_silence_s_edge_counts_too(self) -> None:
        """The beat arms on whichever comes first."""
        config = config_with({"reindex": weekly()})
        now = datetime(2026, 12, 12, 12, tzinfo=UTC)
        silence = Hold(
            kind=SILENCE,
            name="s-1",
            reason="r",
            scope=HoldScope(services=["api"]),
            starts=now - timedelta(hours=1),
            ends=now + timedelta(hours=2),
        )
        assert next_boundary(config, now, [silence]) == now + timedelta(hours=2)

    def test_a_window_that_is_over_has_no_next_boundary(self) -> None:
        """Once its end has passed, a one-off window never changes anything again."""
        config = config_with({"db": once("2026-12-13T02:00", "2026-12-13T05:00")})
        assert next_boundary(config, datetime(2026, 12, 13, 5, tzinfo=UTC)) is None
