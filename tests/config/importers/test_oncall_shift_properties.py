"""Any rolling shift OnCall accepts — daily or weekly, any interval, groups, start, masked days,
week start, zone, a higher layer on top — imports into a rotation (and overrides) that put
OnCall's holder on call whenever OnCall has one, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.config.importers.grafana_oncall.model import Export, Schedule, Shift, User
from muster.config.importers.grafana_oncall.translate import translate
from muster.config.importers.people import PeopleTable
from muster.config.importers.writer import render
from muster.config.loader import load_text
from tests.harness import oncall_reference

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
USERS = [f"U{n}" for n in range(6)]
ZONES = ["Europe/Dublin", "America/New_York", "Australia/Sydney", "UTC"]
DAYS = oncall_reference.DAYS


@st.composite
def shifts(draw: st.DrawFn, name: str, level: int, zone: str) -> Shift:
    frequency = draw(st.sampled_from(["daily", "weekly"]))
    interval = draw(st.integers(1, 3))
    period_hours = interval * (24 if frequency == "daily" else 168)
    full = draw(st.booleans())
    duration = period_hours if full else draw(st.integers(1, min(period_hours - 1, 60)))
    members = draw(st.lists(st.sampled_from(USERS), min_size=1, max_size=4, unique=True))
    start = datetime(2026, 1, 1) + timedelta(
        days=draw(st.integers(0, 330)), minutes=30 * draw(st.integers(0, 47))
    )
    masked = draw(st.booleans()) and not full
    return Shift(
        id=name,
        name=name,
        type="rolling_users",
        start=start.isoformat(),
        duration=duration * 3600,
        level=level,
        frequency=frequency,
        interval=interval,
        by_day=draw(st.lists(st.sampled_from(DAYS), min_size=1, unique=True)) if masked else [],
        week_start=draw(st.sampled_from(DAYS)),
        time_zone=zone,
        rolling_users=[[user] for user in members],
        start_index=draw(st.integers(0, len(members) - 1)),
    )


@st.composite
def schedules(draw: st.DrawFn) -> Export:
    zone = draw(st.sampled_from(ZONES))
    layers = [draw(shifts("base", 0, zone))]
    if draw(st.booleans()):
        layers.append(draw(shifts("layer", 1, zone)))
    export = Export(users={user: User(id=user, username=user.lower()) for user in USERS})
    export.shifts = {shift.id: shift for shift in layers}
    export.schedules = {
        "S": Schedule(
            id="S", name="Team", type="calendar", time_zone=zone, shift_ids=[*export.shifts]
        )
    }
    return export


@settings(max_examples=40, deadline=None)
@given(schedules())
def test_the_imported_rotation_has_oncalls_holder_on_call(export: Export) -> None:
    result = translate(export, PeopleTable(), NOW)
    routing = load_text(render(result, "Grafana OnCall"), "routing.yaml", environ={}).routing
    schedule = export.schedules["S"]
    day = NOW + timedelta(days=1)  # inside the import's horizon, whatever the zone
    for step in range(0, 362 * 24 * 60, 190):  # every 3h10m: each time of day, over the year
        at = day + timedelta(minutes=step)
        expected = oncall_reference.on_call(export, schedule, at)
        if expected is not None:
            assert routing.on_call("team", at) == expected.lower(), at


def _team(*layers: Shift) -> Export:
    export = Export(users={user: User(id=user, username=user.lower()) for user in USERS})
    export.shifts = {shift.id: shift for shift in layers}
    export.schedules = {
        "S": Schedule(
            id="S",
            name="Team",
            type="calendar",
            time_zone="Europe/Dublin",
            shift_ids=[*export.shifts],
        )
    }
    return export


def _agrees_at(export: Export, at: datetime) -> None:
    routing = load_text(
        render(translate(export, PeopleTable(), NOW), "Grafana OnCall"), "routing.yaml", environ={}
    ).routing
    expected = oncall_reference.on_call(export, export.schedules["S"], at)
    assert expected is not None
    assert routing.on_call("team", at) == expected.lower()


def test_a_later_group_of_a_day_masked_shift_holds_its_whole_week() -> None:
    """A layer from a Tuesday masked to Mondays, three groups turning every two weeks: the third
    group's turn is the Monday of its week, though that Monday comes before the moment four weeks
    after the layer's start (found by the property above)."""
    base = Shift(id="base", name="base", type="rolling_users", start="2026-01-01T00:00:00",
                 duration=86400, level=0, frequency="daily", interval=1, week_start="MO",
                 time_zone="Europe/Dublin", rolling_users=[["U0"]])  # fmt: skip
    layer = Shift(id="layer", name="layer", type="rolling_users", start="2026-11-17T00:00:00",
                  duration=3600, level=1, frequency="weekly", interval=2, by_day=["MO"],
                  week_start="MO", time_zone="Europe/Dublin",
                  rolling_users=[["U0"], ["U1"], ["U2"]])  # fmt: skip
    _agrees_at(_team(base, layer), datetime(2026, 12, 14, 0, 50, tzinfo=UTC))


def test_a_day_shift_running_past_the_week_start_stays_with_its_week() -> None:
    """Mondays of 25 hours in weeks from Tuesday: at 00:50 on Tuesday the Monday's holder is on
    call still, where a rotation handing over on Tuesdays would have moved on (found by the
    property above)."""
    base = Shift(id="base", name="base", type="rolling_users", start="2026-01-01T00:00:00",
                 duration=90000, level=0, frequency="weekly", interval=1, by_day=["MO"],
                 week_start="TU", time_zone="Europe/Dublin",
                 rolling_users=[["U0"], ["U1"]])  # fmt: skip
    _agrees_at(_team(base), datetime(2027, 2, 9, 0, 50, tzinfo=UTC))
