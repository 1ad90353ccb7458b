"""Window scheduling across DST changes, property-tested in zones with an hour's change
(Dublin, New York), a half hour's (Lord Howe) and none (Kolkata).

Each occurrence is the rule's wall-clock time read as RFC 5545 reads it (checked against a
reading worked out independently, from the zone's offsets alone), lasts its duration in real
time, the active windows agree with the occurrences, and the next boundary is the first change
of the active set.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.decisions.windows import (
    active_windows,
    next_boundary,
    windows_between,
)
from tests.harness.window_configs import recurring, scheduled_config_with

ZONES = ("Europe/Dublin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")
FIRST_DAY = datetime(2027, 1, 1)
LAST_DAY = datetime(2028, 1, 1)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_TICK = timedelta(microseconds=1)
Drawn = tuple[RoutingConfig, str, int, int, timedelta, datetime]
"""A config with one daily window, its zone, the window's hour, minute, duration, an instant."""


@cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """The zone's offset changes in 2027 (UTC), found hour by hour; Kolkata's: none, so
    instants around the same days are used."""
    zone = ZoneInfo(zone_name)
    hour = datetime(2027, 1, 1, tzinfo=UTC)
    found = []
    while hour.year == 2027:
        if (
            hour.astimezone(zone).utcoffset()
            != (hour + timedelta(hours=1)).astimezone(zone).utcoffset()
        ):
            found.append(hour + timedelta(hours=1))
        hour += timedelta(hours=1)
    return tuple(found) or (datetime(2027, 3, 28, tzinfo=UTC), datetime(2027, 10, 31, tzinfo=UTC))


def rfc_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """RFC 5545's reading of a wall-clock time, from the zone's offsets alone: the earliest
    instant showing it, else (skipped) the time with the offset in force before the change."""
    around = (wall - timedelta(days=2), wall + timedelta(days=2))
    offsets = {side.replace(tzinfo=UTC).astimezone(zone).utcoffset() for side in around}
    showing = [
        (wall - offset).replace(tzinfo=UTC)
        for offset in offsets
        if offset is not None
        and (wall - offset).replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) == wall
    ]
    if showing:
        return min(showing)
    before = around[0].replace(tzinfo=UTC).astimezone(zone).utcoffset()
    assert before is not None
    return (wall - before).replace(tzinfo=UTC)


@st.composite
def daily_windows(draw: st.DrawFn) -> Drawn:
    """A daily window at a drawn wall-clock time and duration, and an instant near one of its
    zone's DST changes."""
    zone = draw(st.sampled_from(ZONES))
    hour, minute = draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 29, 30, 45, 59]))
    duration = timedelta(minutes=draw(st.integers(1, 30 * 60)))
    config = scheduled_config_with(
        {
            "nightly": {
                "reason": "nightly",
                "scope": {"services": ["api"]},
                "start": f"2027-01-01T{hour:02d}:{minute:02d}",
                "recurrence": "FREQ=DAILY",
                "duration": f"{int(duration.total_seconds() // 60)}m",
            }
        },
        timezone=zone,
    )
    change = draw(st.sampled_from(transitions(zone)))
    near = change + timedelta(minutes=draw(st.integers(-36 * 60, 36 * 60)))
    return config, zone, hour, minute, duration, near


@st.composite
def rules(draw: st.DrawFn) -> str:
    """An RRULE of a shape maintenance is planned in, at drawn hours and minutes: daily,
    weekly on some days, monthly on a last, first or second Sunday (the EU's and the US's DST
    days)."""
    hours = sorted(set(draw(st.lists(st.integers(0, 23), min_size=1, max_size=3))))
    minute = draw(st.sampled_from([0, 1, 15, 30, 45, 59]))
    shape = draw(
        st.sampled_from(
            [
                "FREQ=DAILY",
                "FREQ=DAILY;INTERVAL=2",
                "FREQ=WEEKLY;BYDAY=SA,SU",
                "FREQ=MONTHLY;BYDAY=-1SU",
                "FREQ=MONTHLY;BYDAY=2SU",
                "FREQ=MONTHLY;BYDAY=1SU",
            ]
        )
    )
    return f"{shape};BYHOUR={','.join(map(str, hours))};BYMINUTE={minute}"


class TestAnyRule:
    """Whatever the rule's shape, its occurrences are dateutil's own wall-clock times for it,
    each read as RFC 5545 reads it."""

    @PROPERTY
    @given(st.sampled_from(ZONES), rules(), st.integers(1, 240), st.data())
    def test_occurrences_are_exactly_the_rule_s_instants(
        self, zone_name: str, rule: str, minutes: int, data: st.DataObject
    ) -> None:
        """The set of starts overlapping a span around a DST change, and each one's length."""
        zone = ZoneInfo(zone_name)
        duration = timedelta(minutes=minutes)
        config = scheduled_config_with(
            {"w": recurring(rule, f"{minutes}m", start="2027-01-01T00:00")}, timezone=zone_name
        )
        change = data.draw(st.sampled_from(transitions(zone_name)))
        since = change - timedelta(hours=data.draw(st.integers(0, 48)))
        until = change + timedelta(hours=data.draw(st.integers(1, 48)))
        walls = rrulestr(rule, dtstart=FIRST_DAY).between(FIRST_DAY, LAST_DAY, inc=True)
        expected = {
            starts
            for starts in (rfc_instant(wall, zone) for wall in walls)
            if starts < until and starts + duration > since
        }
        found = windows_between(config, since, until)
        assert {hold.starts for hold in found} == expected
        assert all(hold.ends - hold.starts == duration for hold in found)


class TestAcrossDstChanges:
    """What holds on every day, the days of a DST change included."""

    @PROPERTY
    @given(daily_windows())
    def test_occurrences_are_the_rule_s_wall_clock_times_read_as_rfc_5545_reads_them(
        self, drawn: Drawn
    ) -> None:
        """Every day's hh:mm, placed by the independent reading, and nothing else."""
        config, zone_name, hour, minute, _, near = drawn
        zone = ZoneInfo(zone_name)
        since, until = near - timedelta(days=1), near + timedelta(days=1)
        found = [hold.starts for hold in windows_between(config, since, until)]
        local_day = (since - timedelta(days=3)).astimezone(zone).date()
        expected = set()
        for day in range(8):
            wall = datetime.combine(local_day + timedelta(days=day), datetime.min.time()).replace(
                hour=hour, minute=minute
            )
            expected.add(rfc_instant(wall, zone))
        overlapping = {
            starts
            for starts in expected
            if starts < until and starts + drawn[4] > since and starts.year == 2027
        }
        assert set(found) == overlapping
        assert found == sorted(found)

    @PROPERTY
    @given(daily_windows())
    def test_each_occurrence_lasts_its_duration_in_real_time(self, drawn: Drawn) -> None:
        """End minus start is the duration, whatever the wall clock did in between."""
        config, _, _, _, duration, near = drawn
        for hold in windows_between(config, near - timedelta(days=1), near + timedelta(days=1)):
            assert hold.ends - hold.starts == duration

    @PROPERTY
    @given(daily_windows(), st.integers(-24 * 60, 24 * 60))
    def test_the_active_windows_are_the_occurrences_covering_the_instant(
        self, drawn: Drawn, shift: int
    ) -> None:
        """Active at t exactly when an occurrence has started by t and not yet ended."""
        config, _, _, _, _, near = drawn
        at = near + timedelta(minutes=shift)
        around = windows_between(config, at - timedelta(days=3), at + timedelta(days=3))
        covering = [hold for hold in around if hold.starts <= at < hold.ends]
        assert active_windows(config, at) == covering

    @PROPERTY
    @given(daily_windows())
    def test_the_next_boundary_is_the_first_change_of_the_active_set(self, drawn: Drawn) -> None:
        """Nothing changes between now and it; at it, something does."""
        config, _, _, _, _, after = drawn
        boundary = next_boundary(config, after)
        assert boundary is not None
        assert boundary > after
        around = windows_between(config, after - timedelta(days=3), boundary + timedelta(days=1))
        edges = {edge for hold in around for edge in (hold.starts, hold.ends)}
        assert boundary in edges
        assert not [edge for edge in edges if after < edge < boundary]
        just_before = boundary - _TICK
        if just_before > after:
            assert active_windows(config, just_before) == active_windows(config, after)
        assert active_windows(config, boundary) != active_windows(config, just_before)
