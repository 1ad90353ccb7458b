"""Any rotation Opsgenie accepts — hourly, daily or weekly, any length, start, participants (a
``none`` turn too), a time-of-day or weekday restriction that may wrap, a zone, a second rotation
on call at once — imports into a rotation (and overrides) that put one of Opsgenie's on-call
people on call whenever Opsgenie has any, across daylight-saving changes, for as long as the
import says it holds (its horizon, cut short where a schedule's overrides were)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.config.importers.opsgenie.model import Export, Restriction, Rotation, Schedule, User
from muster.config.importers.opsgenie.translate import translate
from muster.config.importers.people import PeopleTable
from muster.config.importers.writer import render
from muster.config.loader import load_text
from tests.harness import opsgenie_reference

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
USERS = [f"u{n}" for n in range(6)]
ZONES = ["Europe/London", "America/Chicago", "Australia/Sydney", "UTC"]
HALF_HOURS = st.integers(0, 47).map(lambda n: n * 30)


@st.composite
def restrictions(draw: st.DrawFn) -> list[Restriction]:
    if draw(st.booleans()):
        return []
    weekly = draw(st.booleans())
    cycle = 7 * 1440 if weekly else 1440
    count = draw(st.integers(1, 2))
    return [
        Restriction(
            draw(st.integers(0, cycle // 30 - 1)) * 30,
            draw(st.integers(0, cycle // 30 - 1)) * 30,
            weekly,
        )
        for _ in range(count)
    ]


@st.composite
def rotations(draw: st.DrawFn, name: str) -> Rotation:
    kind = draw(st.sampled_from(["hourly", "daily", "weekly"]))
    length = draw(st.integers(1, 30 if kind == "hourly" else 3))
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        days=draw(st.integers(0, 330)), minutes=draw(HALF_HOURS)
    )
    members = draw(st.lists(st.sampled_from([*USERS, None]), min_size=1, max_size=4))
    if not any(members):
        members.append(USERS[0])
    return Rotation(
        id=name,
        name=name,
        schedule_id="S",
        type=kind,
        length=length,
        start=start.isoformat(),
        participants=members,
        restrictions=draw(restrictions()),
    )


@st.composite
def schedules(draw: st.DrawFn) -> Export:
    layers = [draw(rotations("first"))]
    if draw(st.booleans()):
        layers.append(draw(rotations("second")))
    zone = draw(st.sampled_from(ZONES))
    export = Export(users={user: User(id=user, username=f"{user}@example.com") for user in USERS})
    export.schedules = {"S": Schedule(id="S", name="Team", timezone=zone, rotations=layers)}
    return export


def _repeated(at: datetime, zone_name: str | None) -> bool:
    """Whether ``at`` falls in the hour a fall-back change repeats. muster reads a restriction
    bound there as its first occurrence (``localize``); Opsgenie does not document its reading,
    and the reference reads the wall clock, so the two may differ inside that hour only."""
    zone = ZoneInfo(zone_name or "UTC")
    local = at.astimezone(zone).replace(tzinfo=None)
    first, second = (local.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
    return first != second


@settings(max_examples=40, deadline=None)
@given(schedules())
def test_the_imported_rotation_has_one_of_opsgenies_on_call_people(export: Export) -> None:
    result = translate(export, PeopleTable(), NOW)
    routing = load_text(render(result, "Opsgenie"), "routing.yaml", environ={}).routing
    schedule = export.schedules["S"]
    day = NOW + timedelta(days=1)  # inside the import's horizon, whatever the zone
    for step in range(0, 362 * 24 * 60, 190):  # every 3h10m: each time of day, over the year
        at = day + timedelta(minutes=step)
        if result.horizon and at >= result.horizon[1]:
            break  # overrides were cut short (and reported): the import holds until then
        if _repeated(at, schedule.timezone):
            continue
        expected = opsgenie_reference.on_call(schedule, at)
        if expected:
            assert routing.on_call("team", at) in expected, at  # ids are the people's names here


def test_a_restriction_the_clocks_skip_writes_no_empty_override() -> None:
    """An hourly rotation on call 01:00-01:30 London time: on the day the clocks skip 01:00-02:00
    that window does not happen, and no override is written for it (an empty one made the whole
    config invalid; found by the property above)."""
    rotation = Rotation(id="first", name="first", schedule_id="S", type="hourly", length=1,
                        start="2026-01-01T00:30:00+00:00", participants=["u0", "u0"],
                        restrictions=[Restriction(starts=60, ends=90, weekly=False)])  # fmt: skip
    schedule = Schedule(id="S", name="Team", timezone="Europe/London", rotations=[rotation])
    export = Export(users={u: User(id=u, username=f"{u}@example.com") for u in USERS})
    export.schedules = {"S": schedule}
    result = translate(export, PeopleTable(), datetime(2026, 3, 1, tzinfo=UTC))
    routing = load_text(render(result, "Opsgenie"), "routing.yaml", environ={}).routing
    assert routing.on_call("team", datetime(2026, 3, 30, 0, 10, tzinfo=UTC)) == "u0"
