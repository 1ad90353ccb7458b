"""Properties of rotations over random shapes, zones and instants (Hypothesis).

Each example is a rotation written into a real YAML config and loaded through the real loader.
The shapes vary the member count (1-5), the period (12h, 1d, 1w, 2w, or none for one member),
the handoff clock and weekday, the start date and the overrides; the zones include ones with
one-hour changes (Dublin, New York), a half-hour change (Lord Howe) and none (Kolkata, UTC).

Two known bugs are kept out of the general properties and pinned by strict-xfail properties of
their own: sub-day periods across a DST change (``boundary()`` counts wall-clock time there while
``turn_index()`` counts elapsed time), and handoffs at a wall time a spring-forward change skips
(resolved to naive + gap rather than the jump instant).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.paging.rotations import CompiledRotation
from tests.harness.rotation_shapes import (
    ACROSS_DST,
    DST_CHANGES,
    PEOPLE,
    PROPERTY,
    SPRING_FORWARD,
    TICK,
    WEEKDAYS,
    Shape,
    first_moment,
    shapes,
)


def exists(naive: datetime, zone: ZoneInfo) -> bool:
    """Whether a wall-clock time happens at all in ``zone`` (not skipped by spring-forward)."""
    instant = naive.replace(tzinfo=zone).astimezone(UTC)
    return instant.astimezone(zone).replace(tzinfo=None) == naive


def jump_instant(naive: datetime, zone: ZoneInfo) -> datetime:
    """For a skipped wall time: the first instant the clocks read ``naive`` or later (UTC)."""
    before = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)  # post-change offset: earlier
    after = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)  # pre-change offset: later
    low, high = 0, int((after - before).total_seconds())  # the jump is a whole second in between
    while high - low > 1:
        middle = (low + high) // 2
        if (before + timedelta(seconds=middle)).astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return before + timedelta(seconds=high)


def check_constant_between_changes(
    rotation: CompiledRotation, since: datetime, until: datetime, probes: list[float]
) -> None:
    """Who is on call is the same all through each stretch between consecutive changes."""
    changes = rotation.changes_between(since, until)
    assert changes == sorted(set(changes))
    assert all(since < change <= until for change in changes)
    stretches = list(zip([since, *changes], [*changes, until + TICK], strict=True))
    for index, (begins, ends) in enumerate(stretches):
        first = begins if index else begins + TICK  # since itself may be a change
        if ends <= first:
            continue
        holder = rotation.on_call(first)
        samples = [ends - TICK, *(first + (ends - TICK - first) * probe for probe in probes)]
        for moment in samples:
            assert rotation.on_call(moment) == holder, (begins, ends, moment)


class TestSomeoneIsOnCall:
    """After the first turn exactly one person holds the rotation at every instant."""

    @PROPERTY
    @given(shape=shapes(), offset=st.integers(0, 200 * 24 * 3600))
    def test_on_call_is_a_member_or_an_override_person(
        self, compile_shape: Callable[[Shape], CompiledRotation], shape: Shape, offset: int
    ) -> None:
        """on_call(t) is never None after the first turn: the scheduled member or an override."""
        rotation = compile_shape(shape)
        at = first_moment(rotation, shape) + timedelta(seconds=offset)
        window = rotation.override_at(at)
        person = rotation.on_call(at)
        if window is None:
            assert person == rotation.scheduled(at)
            assert person in shape.members
        else:
            assert person == window.person
            assert person in {override[0] for override in shape.overrides}

    @PROPERTY
    @given(shape=shapes(members=(2, 5)), offset=st.integers(0, 200 * 24 * 3600))
    def test_the_scheduled_member_is_the_turn_count_modulo_members(
        self, compile_shape: Callable[[Shape], CompiledRotation], shape: Shape, offset: int
    ) -> None:
        """turn_index(t) = k exactly when boundary(k) <= t < boundary(k+1); member k mod n."""
        rotation = compile_shape(shape)
        at = rotation.boundary(0) + timedelta(seconds=offset)
        turn = rotation.turn_index(at)
        assert turn is not None
        assert rotation.boundary(turn) <= at < rotation.boundary(turn + 1)
        assert rotation.scheduled(at) == shape.members[turn % len(shape.members)]

    @PROPERTY
    @given(shape=shapes(), offset=st.integers(0, 120 * 24 * 3600))
    def test_the_override_in_force_is_the_last_listed_covering_window(
        self, compile_shape: Callable[[Shape], CompiledRotation], shape: Shape, offset: int
    ) -> None:
        """Of the overrides whose [from, until) holds t, the one listed last wins."""
        rotation = compile_shape(shape)
        at = first_moment(rotation, shape) + timedelta(seconds=offset)
        covering = [w for w in rotation.overrides if w.starts <= at < w.until]
        window = rotation.override_at(at)
        if not covering:
            assert window is None
        else:
            assert window == max(covering, key=lambda w: w.position)


class TestChangesBetween:
    """Between consecutive instants changes_between() lists, nobody else takes over."""

    @PROPERTY
    @given(
        shape=shapes(),
        offset=st.integers(0, 200 * 24 * 3600),
        span=st.integers(0, 30 * 24 * 3600),
        probes=st.lists(st.floats(0, 1, exclude_max=True), max_size=4),
    )
    def test_on_call_is_constant_between_consecutive_changes(
        self,
        compile_shape: Callable[[Shape], CompiledRotation],
        shape: Shape,
        offset: int,
        span: int,
        probes: list[float],
    ) -> None:
        """Check the start, end and random points of each stretch between listed changes."""
        rotation = compile_shape(shape)
        since = first_moment(rotation, shape) + timedelta(seconds=offset)
        check_constant_between_changes(rotation, since, since + timedelta(seconds=span), probes)

    @PROPERTY
    @given(
        shape=shapes(members=(2, 5)),
        lead=st.integers(1, 30 * 24 * 3600),
        span=st.integers(0, 30 * 24 * 3600),
    )
    def test_a_window_from_before_the_first_turn_lists_it(
        self,
        compile_shape: Callable[[Shape], CompiledRotation],
        shape: Shape,
        lead: int,
        span: int,
    ) -> None:
        """Starting in the gap before a multi-member rotation's first turn, turn 0 is a change."""
        rotation = compile_shape(shape)
        since = rotation.boundary(0) - timedelta(seconds=lead)
        until = rotation.boundary(0) + timedelta(seconds=span)
        assert rotation.boundary(0) in rotation.changes_between(since, until)
        check_constant_between_changes(rotation, since, until, [0.5])


class TestTurnBoundaries:
    """Turn boundaries increase strictly and sit at the handoff's wall-clock time in the zone."""

    @PROPERTY
    @given(shape=shapes(members=(2, 5)), first=st.integers(0, 100))
    def test_boundaries_increase_and_match_the_handoff_clock(
        self, compile_shape: Callable[[Shape], CompiledRotation], shape: Shape, first: int
    ) -> None:
        """Daily and weekly turns begin at the handoff clock on their day; sub-day ones every
        period; a skipped handoff time lands on that day, after the jump, within the gap."""
        rotation = compile_shape(shape)
        zone = ZoneInfo(shape.zone)
        assert rotation.every is not None
        assert rotation.anchor_day is not None
        assert shape.start is not None
        assert shape.start <= rotation.anchor_day < shape.start + timedelta(days=7)
        if rotation.handoff.hour or rotation.handoff.minute:
            assert shape.handoff is not None
            assert rotation.handoff.strftime("%H:%M") in shape.handoff
        if shape.handoff is not None and " " in shape.handoff:
            assert WEEKDAYS[rotation.anchor_day.weekday()] == shape.handoff.split()[0]
        turns = range(first, first + 15)
        boundaries = [rotation.boundary(turn) for turn in turns]
        assert all(a < b for a, b in pairwise(boundaries))
        for turn, boundary in zip(turns, boundaries, strict=True):
            assert boundary.tzinfo is not None
            assert rotation.turn_index(boundary) == turn
            assert rotation.turn_index(boundary - TICK) == (turn - 1 if turn else None)
            if rotation.every < timedelta(days=1):
                assert boundary == rotation.boundary(0) + turn * rotation.every
                continue
            day = rotation.anchor_day + turn * timedelta(days=rotation.every.days)
            wall = datetime.combine(day, rotation.handoff)
            local = boundary.astimezone(zone)
            assert local.date() == day
            if exists(wall, zone):
                assert boundary == wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
            else:
                jump = jump_instant(wall, zone)
                gap = wall.replace(fold=0, tzinfo=zone).astimezone(UTC) - jump
                assert jump <= boundary <= jump + gap
                assert local.time() > rotation.handoff

    @PROPERTY
    @given(shape=shapes(members=(2, 5)))
    def test_the_first_boundary_is_the_first_handoff_weekday_on_or_after_start(
        self, compile_shape: Callable[[Shape], CompiledRotation], shape: Shape
    ) -> None:
        """Nobody is on call from any earlier instant, someone is from boundary(0)."""
        rotation = compile_shape(shape)
        first = rotation.boundary(0)
        assert rotation.scheduled(first - TICK) is None
        assert rotation.scheduled(first) == shape.members[0]
        local_day = first.astimezone(ZoneInfo(shape.zone)).date()
        assert shape.start is not None
        assert 0 <= (local_day - shape.start).days < 7


class TestAcrossDstChanges:
    """Sub-day turns and skipped handoff times across real DST changes (bugs once, fixed)."""

    @ACROSS_DST
    @given(
        change=st.sampled_from(DST_CHANGES),
        lead=st.integers(1, 4),
        clock=st.integers(0, 23),
        count=st.integers(2, 5),
    )
    def test_sub_day_turns_count_elapsed_time_across_a_change(
        self,
        compile_shape: Callable[[Shape], CompiledRotation],
        change: tuple[str, date],
        lead: int,
        clock: int,
        count: int,
    ) -> None:
        """A 12h rotation started days before a DST change: boundaries stay 12 elapsed hours
        apart and changes_between() agrees with on_call()."""
        zone, day = change
        shape = Shape(
            zone, PEOPLE[:count], "12h", f"{clock:02d}:00", day - timedelta(days=lead), ()
        )
        rotation = compile_shape(shape)
        boundaries = [rotation.boundary(turn) for turn in range(4 * lead + 6)]
        assert all(b - a == timedelta(hours=12) for a, b in pairwise(boundaries))
        since = rotation.boundary(0)
        check_constant_between_changes(rotation, since, since + timedelta(days=lead + 3), [])

    @ACROSS_DST
    @given(
        change=st.sampled_from(SPRING_FORWARD),
        into=st.integers(1, 59),
        lead=st.integers(0, 6),
        count=st.integers(1, 5),
    )
    def test_a_skipped_handoff_time_resolves_to_the_jump(
        self,
        compile_shape: Callable[[Shape], CompiledRotation],
        change: tuple[str, date, time, int, datetime],
        into: int,
        lead: int,
        count: int,
    ) -> None:
        """A daily handoff inside the skipped hour happens at the instant the clocks jumped."""
        zone, day, gap_starts, gap_minutes, jump = change
        clock = datetime.combine(day, gap_starts) + timedelta(minutes=into % gap_minutes or 1)
        shape = Shape(zone, PEOPLE[:count], "1d", f"{clock:%H:%M}", day - timedelta(days=lead), ())
        rotation = compile_shape(shape)
        assert rotation.boundary(lead) == jump
