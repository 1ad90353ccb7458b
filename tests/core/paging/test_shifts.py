"""Final shifts (``paging.shifts``) and the listings made of them (``paging.duties``): the
rotation engine's holders as stretches, with roles, services, overrides and gaps (the
scenarios); and, over random shapes and zones across DST, exactly the engine's holder at every
instant inside each shift (the properties)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from muster.config.loader import LoadedConfig
from muster.worker.core.paging.duties import final_shifts, narrowed, wanted_rotations
from muster.worker.core.paging.rotations import CompiledRotation
from muster.worker.core.paging.shifts import Shift, rotation_shifts, upcoming
from tests.harness.configs import WEDNESDAY_NOON, minimal_document
from tests.harness.rotation_shapes import (
    DST_CHANGES,
    PEOPLE,
    PROPERTY,
    TICK,
    Shape,
    first_moment,
    shapes,
)

MONDAY_NINE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the commanders' handoff that week


def covering_document(**changes: Any) -> dict[str, Any]:
    document = minimal_document()
    document.update(changes)
    return document


def check_exactly_the_engine(
    rotation: CompiledRotation, shifts: tuple[Shift, ...], start: datetime, end: datetime
) -> None:
    """Contiguous, each a different holder from the last, covering the range, and the engine's
    holder at each shift's first instant, last instant and middle; not just before or after."""
    assert shifts, "a range always has a shift"
    assert shifts[0].holds(start)
    assert shifts[-1].holds(max(start, end - TICK))
    for before, after in pairwise(shifts):
        assert before.until == after.starts
        assert before.person != after.person
    for shift in shifts:
        inside = [at for at in (shift.starts, shift.until and shift.until - TICK) if at]
        if shift.starts and shift.until:
            inside.append(shift.starts + (shift.until - shift.starts) / 2)
        for at in inside or [start]:
            assert rotation.on_call(at) == shift.person, (shift, at)
        if shift.starts is not None:
            assert rotation.on_call(shift.starts - TICK) != shift.person
        if shift.until is not None:
            assert rotation.on_call(shift.until) != shift.person


class TestScenarios:
    def test_now_lists_each_rotation_with_its_roles_services_and_next_handoffs(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        routing = load_yaml(minimal_document()).routing
        duties = {duty.rotation: duty for duty in final_shifts(routing, WEDNESDAY_NOON)}
        commanders = duties["commanders"]
        assert commanders.roles == ("commander",)
        assert [shift.person for shift in commanders.shifts] == ["ann", "ben", "ann"]
        now, after, later = commanders.shifts
        assert (now.starts, now.until) == (MONDAY_NINE, MONDAY_NINE + timedelta(weeks=1))
        assert (after.starts, later.starts) == (now.until, after.until)
        assert duties["api-oncall"].services == ("api",)
        always = duties["api-oncall"].shifts
        assert always == (Shift("api-oncall", "cat", None, None),)

    def test_an_override_is_a_shift_of_its_own_and_splits_the_turn(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        cover = {"rotation": "commanders", "person": "dan"}
        cover |= {"from": "2026-11-25T18:00:00Z", "until": "2026-11-26T06:00:00Z"}
        routing = load_yaml(covering_document(overrides=[cover])).routing
        end = MONDAY_NINE + timedelta(weeks=1)
        (duty,) = final_shifts(routing, MONDAY_NINE, end, rotations=frozenset({"commanders"}))
        assert [(s.person, s.override) for s in duty.shifts] == [
            ("ann", False),
            ("dan", True),
            ("ann", False),
        ]
        assert duty.shifts[1].starts == datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
        assert duty.shifts[1].hours(MONDAY_NINE, end) == 12

    def test_before_the_first_turn_is_a_gap(self, load_yaml: Callable[..., LoadedConfig]) -> None:
        routing = load_yaml(minimal_document()).routing
        first = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        shifts = rotation_shifts(routing.rotations["commanders"], first - timedelta(days=2), first)
        assert shifts == (Shift("commanders", None, None, first),)

    def test_narrowing_by_person_keeps_only_their_shifts(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        routing = load_yaml(minimal_document()).routing
        duties = final_shifts(routing, WEDNESDAY_NOON, WEDNESDAY_NOON + timedelta(weeks=4))
        bens = narrowed(duties, person="ben")
        assert [duty.rotation for duty in bens] == ["commanders"]
        assert {shift.person for shift in bens[0].shifts} == {"ben"}
        assert len(bens[0].shifts) == 2
        assert narrowed(duties, role="commander")[0].rotation == "commanders"
        assert [duty.rotation for duty in narrowed(duties, service="api")] == ["api-oncall"]
        assert narrowed(duties, service="nowhere") == ()


class TestExactlyTheEngine:
    @PROPERTY
    @given(
        shape=shapes(),
        offset=st.integers(-30 * 24 * 3600, 200 * 24 * 3600),
        span=st.integers(0, 60 * 24 * 3600),
    )
    def test_every_shift_is_the_engines_holder_throughout(
        self,
        compile_shape: Callable[[Shape], CompiledRotation],
        shape: Shape,
        offset: int,
        span: int,
    ) -> None:
        rotation = compile_shape(shape)
        start = first_moment(rotation, shape) + timedelta(seconds=offset)
        end = start + timedelta(seconds=span)
        check_exactly_the_engine(rotation, rotation_shifts(rotation, start, end), start, end)

    @PROPERTY
    @given(
        change=st.sampled_from(DST_CHANGES),
        every=st.sampled_from(("12h", "1d", "1w")),
        clock=st.integers(0, 23),
        count=st.integers(1, 4),
        lead=st.integers(0, 10),
    )
    def test_across_a_clock_change_too(
        self,
        compile_shape: Callable[[Shape], CompiledRotation],
        change: tuple[str, date],
        every: str,
        clock: int,
        count: int,
        lead: int,
    ) -> None:
        zone, day = change
        handoff = f"{clock:02d}:30"
        start_day = day - timedelta(days=lead + 1)
        # A stand-in over the change day itself: overrides are wall-clock times too.
        night = datetime.combine(day, time(0, 0))
        cover = (PEOPLE[-1], night, night + timedelta(hours=6))
        shape = Shape(zone, PEOPLE[:count], every, handoff, start_day, (cover,))
        rotation = compile_shape(shape)
        start = datetime.combine(day - timedelta(days=2), time(0, 0), UTC)
        end = start + timedelta(days=5)
        check_exactly_the_engine(rotation, rotation_shifts(rotation, start, end), start, end)

    @PROPERTY
    @given(
        shape=shapes(),
        offset=st.integers(0, 200 * 24 * 3600),
        count=st.integers(0, 4),
    )
    def test_upcoming_is_the_holder_then_the_next_handoffs(
        self,
        compile_shape: Callable[[Shape], CompiledRotation],
        shape: Shape,
        offset: int,
        count: int,
    ) -> None:
        rotation = compile_shape(shape)
        at = first_moment(rotation, shape) + timedelta(seconds=offset)
        shifts = upcoming(rotation, at, count)
        assert shifts[0].holds(at)
        assert len(shifts) == count + 1 or shifts[-1].until is None
        last = shifts[-1]
        end = last.until or max(at, last.starts or at) + TICK
        check_exactly_the_engine(rotation, shifts, at, end)


def test_only_the_rotations_a_narrowed_listing_needs_are_computed(
    load_yaml: Callable[..., LoadedConfig],
) -> None:
    cover = {"rotation": "api-oncall", "person": "ben"}
    cover |= {"from": "2026-11-25T18:00:00Z", "until": "2026-11-26T06:00:00Z"}
    routing = load_yaml(covering_document(overrides=[cover])).routing
    assert wanted_rotations(routing) is None
    assert wanted_rotations(routing, role="commander") == {"commanders"}
    assert wanted_rotations(routing, person="ben") == {"commanders", "api-oncall"}
    assert wanted_rotations(routing, person="ben", service="api") == {"api-oncall"}
    assert wanted_rotations(routing, person="dan", service="api") == frozenset()
