"""Any schedule PagerDuty accepts — one or two layers, turns of hours, days or weeks (or 36
hours), any virtual start, users (one twice too), a daily or weekly restriction, a zone —
imports into a rotation (and overrides) that put PagerDuty's holder on call whenever PagerDuty
has one, across daylight-saving changes, for as long as the import says it holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.config.importers.pagerduty.model import Export, Layer, Restriction, Schedule, User
from muster.config.importers.pagerduty.translate import translate
from muster.config.importers.people import PeopleTable
from muster.config.importers.writer import render
from muster.config.loader import load_text
from tests.harness import pagerduty_reference

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
USERS = [f"u{n}" for n in range(5)]
ZONES = ["America/Los_Angeles", "Europe/Berlin", "Australia/Sydney", "UTC"]
HOUR = 3600
TURNS = [4 * HOUR, 8 * HOUR, 12 * HOUR, 24 * HOUR, 36 * HOUR, 48 * HOUR, 168 * HOUR, 336 * HOUR]


@st.composite
def layers(draw: st.DrawFn, name: str) -> Layer:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        days=draw(st.integers(0, 330)), minutes=30 * draw(st.integers(0, 47))
    )
    restrictions = []
    if draw(st.booleans()):
        weekday = draw(st.one_of(st.none(), st.integers(0, 6)))
        most = 7 * 24 if weekday is not None else 24
        restrictions.append(
            Restriction(
                weekday, 30 * draw(st.integers(0, 47)), HOUR * draw(st.integers(1, most - 1))
            )
        )
    return Layer(
        name=name,
        start=start.isoformat(),
        virtual_start=(start - timedelta(hours=draw(st.integers(0, 100)))).isoformat(),
        turn_seconds=draw(st.sampled_from(TURNS)),
        users=draw(st.lists(st.sampled_from(USERS), min_size=1, max_size=4)),
        restrictions=restrictions,
    )


@st.composite
def schedules(draw: st.DrawFn) -> Export:
    stack = [draw(layers("bottom"))]
    if draw(st.booleans()):
        stack.append(draw(layers("top")))
    zone = draw(st.sampled_from(ZONES))
    export = Export(
        users={user: User(id=user, name=user, email=f"{user}@example.com") for user in USERS}
    )
    export.schedules = {"S": Schedule(id="S", name="Team", time_zone=zone, layers=stack)}
    return export


@settings(max_examples=40, deadline=None)
@given(schedules())
def test_the_imported_rotation_has_pagerdutys_holder_on_call(export: Export) -> None:
    result = translate(export, PeopleTable(), NOW)
    routing = load_text(render(result, "PagerDuty"), "routing.yaml", environ={}).routing
    schedule = export.schedules["S"]
    assert result.horizon is not None
    since, until = result.horizon
    for step in range(0, 362 * 24 * 60, 190):  # every 3h10m: each time of day, over the year
        at = since + timedelta(days=1, minutes=step)
        if at >= until:
            break  # overrides were cut short (and reported): the import holds until then
        expected = pagerduty_reference.on_call(schedule, at)
        if expected is not None:
            assert routing.on_call("team", at) == expected, at  # ids are the people's names
