"""Rotations: whose turn it is at an instant, when that changes, and how overrides and DST bend it.

Every rotation here is written as ops would write it, in a real YAML file loaded through the real
loader; expected instants are spelled out in UTC by hand rather than computed with the code under
test. Europe/Dublin is on GMT (UTC+0) in winter and IST (UTC+1) in summer; in 2026 its clocks go
forward on Sunday 29 March at 01:00 UTC and back on Sunday 25 October at 01:00 UTC.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from muster.config.loader import LoadedConfig
from muster.worker.core.paging.rotations import CompiledRotation, as_utc, localize
from muster.worker.core.paging.routing import Routing
from tests.harness.configs import WEDNESDAY_NOON, minimal_document

DUBLIN = ZoneInfo("Europe/Dublin")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
TICK = timedelta(microseconds=1)

# The rotations minimal_document()'s roles and services need, written back as ops would.
SHARED_ROTATIONS = """\
rotations:
  commanders: {members: [ann, ben], every: 1w, handoff: "mon 09:00", start: 2026-01-05}
  api-oncall: {members: [cat]}
  managers: {members: [dan]}
"""

EXTRA_PEOPLE = {
    name: {"name": name.title(), "chat": name, "email": f"{name}@test"}
    for name in ("eve", "fay", "gus")
}

WEEKLY_TRIO = '{members: [ann, ben, cat], every: 1w, handoff: "mon 09:00", start: 2026-01-05}'
WEEKLY_PAIR = '{members: [ann, ben], every: 1w, handoff: "mon 09:00", start: 2026-01-05}'

NONEXISTENT_BUG = (
    "localize() resolves a wall time skipped by spring-forward to naive + gap (fold=0 keeps the"
    " pre-transition offset: Dublin 01:30 -> 02:30 IST, New York 02:30 -> 03:30 EDT) instead of"
    " the instant the clocks jumped (02:00 IST / 03:00 EDT) its docstring promises"
)
SUB_DAY_BUG = (
    "CompiledRotation.boundary() adds sub-day periods to an aware local datetime, which is"
    " wall-clock arithmetic, while turn_index() counts elapsed time: across a DST change"
    " boundary(n) and changes_between() are an hour off the real handoff"
)
SINGLE_MEMBER_BUG = (
    "a one-member rotation with every and start has nobody on call before its first turn"
    " (scheduled() counts turns), but changes_between() skips rotations of one member, so the"
    " gap -> person change at boundary(0) is never listed"
)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A UTC instant, spelled the way the expectations below are worked out."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def document_text(rotations: str, overrides: str = "", timezone: str = "Europe/Dublin") -> str:
    """minimal_document() as YAML text, plus the given rotation entries and override items."""
    base = minimal_document()
    base["timezone"] = timezone
    base["people"].update(EXTRA_PEOPLE)
    del base["rotations"]
    text = yaml.safe_dump(base, sort_keys=False)
    text += SHARED_ROTATIONS + textwrap.indent(textwrap.dedent(rotations).strip() + "\n", "  ")
    if overrides:
        text += "overrides:\n" + textwrap.indent(textwrap.dedent(overrides).strip() + "\n", "  ")
    return text


@pytest.fixture
def load_rotations(load_yaml: Callable[..., LoadedConfig]) -> Callable[..., Routing]:
    """Load a config file holding the given extra rotations (and overrides) in a timezone."""

    def load(rotations: str, overrides: str = "", timezone: str = "Europe/Dublin") -> Routing:
        return load_yaml(document_text(rotations, overrides, timezone)).routing

    return load


@pytest.fixture
def duty(load_rotations: Callable[..., Routing]) -> Callable[..., CompiledRotation]:
    """Load a config whose rotation ``duty`` is the given YAML flow mapping; return it compiled."""

    def compile_duty(
        spec: str, overrides: str = "", timezone: str = "Europe/Dublin"
    ) -> CompiledRotation:
        return load_rotations(f"duty: {spec}", overrides, timezone).rotations["duty"]

    return compile_duty


class TestWeeklyHandoff:
    """A weekly rotation handing over on Mondays at 09:00, starting Monday 5 January 2026."""

    def test_the_first_turn_begins_at_the_first_handoff(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """The first member takes over at 09:00 on the start day, not at midnight."""
        rotation = duty(WEEKLY_TRIO)
        assert rotation.boundary(0) == utc(2026, 1, 5, 9)
        assert rotation.on_call(utc(2026, 1, 5, 9) - TICK) is None
        assert rotation.on_call(utc(2026, 1, 5, 9)) == "ann"

    def test_just_before_the_handoff_the_outgoing_member_is_on_call(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """A microsecond before Monday 09:00 the previous week's member still holds it."""
        rotation = duty(WEEKLY_TRIO)
        assert rotation.on_call(utc(2026, 1, 12, 9) - TICK) == "ann"

    def test_at_the_handoff_the_incoming_member_is_on_call(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """The handoff instant itself belongs to the incoming member."""
        rotation = duty(WEEKLY_TRIO)
        assert rotation.on_call(utc(2026, 1, 12, 9)) == "ben"
        assert rotation.turn_index(utc(2026, 1, 12, 9)) == 1

    def test_after_the_handoff_the_incoming_member_keeps_the_whole_week(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """The incoming member holds it until the next Monday's handoff."""
        rotation = duty(WEEKLY_TRIO)
        for moment in (utc(2026, 1, 12, 9, 0, 1), utc(2026, 1, 15, 3), utc(2026, 1, 19, 9) - TICK):
            assert rotation.on_call(moment) == "ben"
        assert rotation.on_call(utc(2026, 1, 19, 9)) == "cat"

    def test_members_take_turns_in_the_order_listed(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Week by week the members cycle ann, ben, cat, ann… and turn_index counts the weeks."""
        rotation = duty(WEEKLY_TRIO)
        wednesdays = [utc(2026, 1, 7, 12) + timedelta(weeks=week) for week in range(9)]
        assert [rotation.on_call(moment) for moment in wednesdays] == ["ann", "ben", "cat"] * 3
        assert [rotation.turn_index(moment) for moment in wednesdays] == list(range(9))

    def test_the_handoff_stays_at_nine_local_in_summer(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Monday 1 June is turn 21 (ann) and begins at 09:00 IST, which is 08:00 UTC."""
        rotation = duty(WEEKLY_TRIO)
        assert rotation.boundary(21) == utc(2026, 6, 1, 8)
        assert rotation.on_call(utc(2026, 6, 1, 8) - TICK) == "cat"
        assert rotation.on_call(utc(2026, 6, 1, 8)) == "ann"

    def test_the_example_config_answers_as_documented(self, example: Routing) -> None:
        """The shipped example: bob commands, dmitri leads support, frank scribes, heidi on pay."""
        assert example.on_call("incident-commanders", WEDNESDAY_NOON) == "bob"
        assert example.on_call("support-leads", WEDNESDAY_NOON) == "dmitri"
        assert example.on_call("scribes", WEDNESDAY_NOON) == "frank"
        assert example.on_call("payments-oncall", WEDNESDAY_NOON) == "heidi"


class TestTwoWeekPeriod:
    """A rotation of two-week turns handing over on Mondays at 09:00."""

    SPEC = '{members: [ann, ben], every: 2w, handoff: "mon 09:00", start: 2026-01-05}'

    def test_the_intervening_monday_is_no_handoff(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """One week in, the first member is still on call through Monday 09:00."""
        rotation = duty(self.SPEC)
        assert rotation.on_call(utc(2026, 1, 12, 9)) == "ann"
        assert rotation.on_call(utc(2026, 1, 19, 9) - TICK) == "ann"

    def test_turns_change_every_other_monday(self, duty: Callable[..., CompiledRotation]) -> None:
        """The handoffs are 19 January and 2 February, each to the next member in order."""
        rotation = duty(self.SPEC)
        assert rotation.boundary(1) == utc(2026, 1, 19, 9)
        assert rotation.boundary(2) == utc(2026, 2, 2, 9)
        assert rotation.on_call(utc(2026, 1, 19, 9)) == "ben"
        assert rotation.on_call(utc(2026, 2, 2, 9) - TICK) == "ben"
        assert rotation.on_call(utc(2026, 2, 2, 9)) == "ann"


class TestDailyRotation:
    """A rotation handing over every day at 09:00, with no weekday."""

    SPEC = '{members: [ann, ben, cat], every: 1d, handoff: "09:00", start: 2026-01-07}'

    def test_each_day_at_nine_the_next_member_takes_over(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Starting on a Wednesday is fine for a daily rotation: turns begin every 09:00."""
        rotation = duty(self.SPEC)
        assert rotation.on_call(utc(2026, 1, 7, 9) - TICK) is None
        expected = {7: "ann", 8: "ben", 9: "cat", 10: "ann"}
        for day, member in expected.items():
            assert rotation.on_call(utc(2026, 1, day, 9)) == member
            assert rotation.on_call(utc(2026, 1, day + 1, 9) - TICK) == member

    def test_the_midnight_in_between_is_no_handoff(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """The member on at 23:59 is still on at 00:00 and until 08:59."""
        rotation = duty(self.SPEC)
        assert rotation.on_call(utc(2026, 1, 7, 23, 59)) == "ann"
        assert rotation.on_call(utc(2026, 1, 8, 0)) == "ann"
        assert rotation.on_call(utc(2026, 1, 8, 8, 59)) == "ann"


class TestSubDayPeriod:
    """A 12-hour rotation: periods shorter than a day are plain elapsed time."""

    SPEC = '{members: [ann, ben], every: 12h, handoff: "09:00", start: 2026-01-05}'

    def test_turns_last_twelve_hours_from_the_first_handoff(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """ann has 09:00-21:00, ben 21:00-09:00; five days in, ten turns have passed."""
        rotation = duty(self.SPEC)
        assert rotation.on_call(utc(2026, 1, 5, 21) - TICK) == "ann"
        assert rotation.on_call(utc(2026, 1, 5, 21)) == "ben"
        assert rotation.on_call(utc(2026, 1, 6, 9)) == "ann"
        assert rotation.turn_index(utc(2026, 1, 10, 9)) == 10
        assert rotation.boundary(10) == utc(2026, 1, 10, 9)

    def test_on_call_counts_elapsed_time_across_spring_forward(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """After the clocks go forward, turns still change every 12 elapsed hours (09:00 UTC)."""
        rotation = duty('{members: [ann, ben], every: 12h, handoff: "09:00", start: 2026-03-27}')
        # Turn 4 begins 48 elapsed hours after 27 March 09:00 UTC, i.e. 29 March 09:00 UTC.
        assert rotation.on_call(utc(2026, 3, 29, 9) - TICK) == "ben"
        assert rotation.on_call(utc(2026, 3, 29, 9)) == "ann"
        assert rotation.turn_index(utc(2026, 3, 29, 9)) == 4

    def test_boundaries_and_changes_count_elapsed_time_across_spring_forward(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """boundary() and changes_between() agree with on_call(): 12 elapsed hours per turn."""
        rotation = duty('{members: [ann, ben], every: 12h, handoff: "09:00", start: 2026-03-27}')
        assert rotation.boundary(4) == utc(2026, 3, 29, 9)
        assert rotation.changes_between(utc(2026, 3, 29), utc(2026, 3, 30)) == [
            utc(2026, 3, 29, 9),
            utc(2026, 3, 29, 21),
        ]


class TestDaylightSavingDaily:
    """A daily 09:00 handoff stays at 09:00 Dublin time on both sides of a DST change."""

    SPRING = '{members: [ann, ben], every: 1d, handoff: "09:00", start: 2026-03-25}'
    AUTUMN = '{members: [ann, ben], every: 1d, handoff: "09:00", start: 2026-10-20}'

    def test_handoffs_are_nine_local_around_spring_forward(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """09:00 GMT is 09:00 UTC until 28 March; from 29 March 09:00 IST is 08:00 UTC."""
        rotation = duty(self.SPRING)
        assert rotation.boundary(3) == utc(2026, 3, 28, 9)  # Saturday, still GMT
        assert rotation.boundary(4) == utc(2026, 3, 29, 8)  # Sunday, IST since 01:00 UTC
        assert rotation.boundary(5) == utc(2026, 3, 30, 8)
        assert rotation.on_call(utc(2026, 3, 29, 8) - TICK) == "ben"
        assert rotation.on_call(utc(2026, 3, 29, 8)) == "ann"

    def test_the_turn_spanning_spring_forward_lasts_23_hours(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """The turn from Saturday 09:00 GMT to Sunday 09:00 IST is one hour short."""
        rotation = duty(self.SPRING)
        assert rotation.boundary(4) - rotation.boundary(3) == timedelta(hours=23)
        assert rotation.boundary(3) - rotation.boundary(2) == timedelta(hours=24)
        assert rotation.boundary(5) - rotation.boundary(4) == timedelta(hours=24)

    def test_handoffs_are_nine_local_around_fall_back(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """09:00 IST is 08:00 UTC until 24 October; from 25 October 09:00 GMT is 09:00 UTC."""
        rotation = duty(self.AUTUMN)
        assert rotation.boundary(4) == utc(2026, 10, 24, 8)
        assert rotation.boundary(5) == utc(2026, 10, 25, 9)
        assert rotation.on_call(utc(2026, 10, 25, 8, 30)) == "ann"  # 08:30 GMT: not yet
        assert rotation.on_call(utc(2026, 10, 25, 9)) == "ben"

    def test_the_turn_spanning_fall_back_lasts_25_hours(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """The turn from Saturday 09:00 IST to Sunday 09:00 GMT is one hour long."""
        rotation = duty(self.AUTUMN)
        assert rotation.boundary(5) - rotation.boundary(4) == timedelta(hours=25)

    def test_every_boundary_is_nine_oclock_on_the_dublin_wall(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Through three weeks around each change, each turn begins at 09:00 local time."""
        for spec in (self.SPRING, self.AUTUMN):
            rotation = duty(spec)
            assert rotation.anchor_day is not None
            for turn in range(21):
                local = rotation.boundary(turn).astimezone(DUBLIN)
                assert local.time() == time(9, 0)
                assert local.date() == rotation.anchor_day + timedelta(days=turn)

    def test_a_weekly_turn_spanning_a_change_is_an_hour_short_or_long(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Monday 09:00 to Monday 09:00 across spring-forward is 7 days less an hour."""
        rotation = duty(WEEKLY_PAIR)
        # Turn 11 begins Monday 23 March (GMT); turn 12 Monday 30 March (IST).
        assert rotation.boundary(11) == utc(2026, 3, 23, 9)
        assert rotation.boundary(12) == utc(2026, 3, 30, 8)
        # Turn 41 begins Monday 19 October (IST); turn 42 Monday 26 October (GMT).
        assert rotation.boundary(42) - rotation.boundary(41) == timedelta(days=7, hours=1)


class TestNonexistentHandoff:
    """A handoff at a wall time the spring-forward change skips happens at the jump."""

    def test_the_handoff_happens_after_the_clocks_jump(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """On spring-forward day a 01:30 London handoff is on the summer side, the same day."""
        rotation = duty(
            '{members: [ann, ben], every: 1d, handoff: "01:30", start: 2026-03-27}',
            timezone="Europe/London",
        )
        jump = utc(2026, 3, 29, 1)
        assert rotation.boundary(1) == utc(2026, 3, 28, 1, 30)  # Saturday, GMT
        assert rotation.boundary(2) >= jump
        assert rotation.boundary(2).astimezone(LONDON).utcoffset() == timedelta(hours=1)
        assert rotation.boundary(3) == utc(2026, 3, 30, 0, 30)  # Monday, 01:30 BST
        assert rotation.on_call(jump - TICK) == "ben"

    def test_a_skipped_handoff_resolves_to_the_jump_instant(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """London 01:30 on 29 March 2026 does not exist; the handoff is at 01:00 UTC (02:00 BST)."""
        rotation = duty(
            '{members: [ann, ben], every: 1d, handoff: "01:30", start: 2026-03-27}',
            timezone="Europe/London",
        )
        assert rotation.boundary(2) == utc(2026, 3, 29, 1)
        assert rotation.on_call(utc(2026, 3, 29, 1)) == "ann"

    def test_localize_resolves_dublin_0130_to_the_jump(self) -> None:
        """Dublin's clocks go 01:00 GMT → 02:00 IST: 01:30 means 01:00 UTC."""
        assert localize(datetime(2026, 3, 29, 1, 30), DUBLIN).astimezone(UTC) == utc(2026, 3, 29, 1)

    def test_localize_resolves_new_york_0230_to_the_jump(self) -> None:
        """New York's clocks go 02:00 EST → 03:00 EDT: 02:30 means 07:00 UTC (03:00 EDT)."""
        assert localize(datetime(2026, 3, 8, 2, 30), NEW_YORK).astimezone(UTC) == utc(2026, 3, 8, 7)

    def test_a_naive_override_at_a_skipped_time_starts_at_the_jump(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """An override from 02:30 on New York's spring-forward day starts at 03:00 EDT."""
        rotation = duty(
            WEEKLY_PAIR,
            "- {rotation: duty, person: eve, from: 2026-03-08T02:30, until: 2026-03-08T12:00}",
            timezone="America/New_York",
        )
        assert rotation.on_call(utc(2026, 3, 8, 7)) == "eve"

    def test_localize_leaves_ordinary_times_alone(self) -> None:
        """Away from a change, localize() just attaches the zone's offset."""
        assert localize(datetime(2026, 3, 28, 1, 30), DUBLIN).astimezone(UTC) == utc(
            2026, 3, 28, 1, 30
        )
        assert localize(datetime(2026, 3, 30, 1, 30), DUBLIN).astimezone(UTC) == utc(
            2026, 3, 30, 0, 30
        )
        assert localize(datetime(2026, 3, 9, 2, 30), NEW_YORK).astimezone(UTC) == utc(
            2026, 3, 9, 6, 30
        )


class TestAmbiguousHandoff:
    """A handoff at a wall time the fall-back change repeats means its first occurrence."""

    SPEC = '{members: [ann, ben], every: 1d, handoff: "01:30", start: 2026-10-23}'

    def test_localize_picks_the_first_occurrence(self) -> None:
        """01:30 on fall-back day is 00:30 UTC in Dublin (IST) and 05:30 UTC in New York (EDT)."""
        assert localize(datetime(2026, 10, 25, 1, 30), DUBLIN).astimezone(UTC) == utc(
            2026, 10, 25, 0, 30
        )
        assert localize(datetime(2026, 11, 1, 1, 30), NEW_YORK).astimezone(UTC) == utc(
            2026, 11, 1, 5, 30
        )

    def test_the_handoff_happens_once_at_the_first_occurrence(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """The incoming member takes over at the first 01:30 and keeps it through the second."""
        rotation = duty(self.SPEC)
        assert rotation.boundary(2) == utc(2026, 10, 25, 0, 30)
        assert rotation.on_call(utc(2026, 10, 25, 0, 30) - TICK) == "ben"
        assert rotation.on_call(utc(2026, 10, 25, 0, 30)) == "ann"
        assert rotation.on_call(utc(2026, 10, 25, 1, 30)) == "ann"  # the second 01:30

    def test_the_turns_around_the_repeat_last_24_then_25_hours(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Saturday 01:30 IST → Sunday first 01:30 IST is 24h; Sunday → Monday 01:30 GMT is 25h."""
        rotation = duty(self.SPEC)
        assert rotation.boundary(2) - rotation.boundary(1) == timedelta(hours=24)
        assert rotation.boundary(3) - rotation.boundary(2) == timedelta(hours=25)

    def test_a_naive_override_at_a_repeated_time_uses_the_first_occurrence(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """An override from 01:30 on fall-back day starts at the first 01:30 (00:30 UTC)."""
        rotation = duty(
            WEEKLY_PAIR,
            "- {rotation: duty, person: eve, from: 2026-10-25T01:30, until: 2026-10-25T12:00}",
        )
        assert rotation.on_call(utc(2026, 10, 25, 0, 30) - TICK) != "eve"
        assert rotation.on_call(utc(2026, 10, 25, 0, 30)) == "eve"


class TestStartNotOnHandoffWeekday:
    """A start date that is not the handoff weekday: the first turn waits for that weekday."""

    def test_the_first_turn_begins_at_the_first_handoff_weekday_after_start(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Starting Wednesday 7 January with Monday handoffs, turn 0 begins Monday 12 January."""
        rotation = duty('{members: [ann, ben], every: 1w, handoff: "mon 09:00", start: 2026-01-07}')
        assert rotation.boundary(0) == utc(2026, 1, 12, 9)
        assert rotation.on_call(utc(2026, 1, 12, 9)) == "ann"
        assert rotation.on_call(utc(2026, 1, 19, 9)) == "ben"

    def test_before_the_first_turn_a_multi_member_rotation_has_a_gap(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """From start until the first handoff nobody is on call, and no turn is counted."""
        rotation = duty('{members: [ann, ben], every: 1w, handoff: "mon 09:00", start: 2026-01-07}')
        for moment in (utc(2025, 6, 1), utc(2026, 1, 8, 12), utc(2026, 1, 12, 9) - TICK):
            assert rotation.on_call(moment) is None
            assert rotation.turn_index(moment) is None

    def test_a_start_on_a_sunday_waits_one_day(self, duty: Callable[..., CompiledRotation]) -> None:
        """Sunday 11 January is the day before a Monday handoff: turn 0 begins on the 12th."""
        rotation = duty('{members: [ann, ben], every: 1w, handoff: "mon 09:00", start: 2026-01-11}')
        assert rotation.boundary(0) == utc(2026, 1, 12, 9)

    def test_a_start_on_the_handoff_weekday_begins_that_day(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Starting on a Monday, turn 0 begins that Monday at 09:00, with a gap before it."""
        rotation = duty(WEEKLY_PAIR)
        assert rotation.boundary(0) == utc(2026, 1, 5, 9)
        assert rotation.on_call(utc(2026, 1, 5, 8, 59)) is None

    @pytest.mark.parametrize(
        "spec",
        [
            "{members: [eve]}",
            "{members: [eve], start: 2026-06-01}",
            '{members: [eve], handoff: "mon 09:00", start: 2026-06-01}',
        ],
    )
    def test_a_single_member_without_every_is_always_on_call(
        self, duty: Callable[..., CompiledRotation], spec: str
    ) -> None:
        """One member and no period: that person, long before any start and long after."""
        rotation = duty(spec)
        for moment in (utc(1999, 12, 31, 23, 59), utc(2026, 1, 1), utc(2100, 1, 1)):
            assert rotation.on_call(moment) == "eve"
        assert rotation.changes_between(utc(1999, 1, 1), utc(2100, 1, 1)) == []

    def test_a_single_member_with_every_lists_the_change_at_its_first_turn(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """If who is on call differs across start, changes_between() must say when it changes.

        The example's ``payments-secondary`` has this shape (one member, every and start).
        """
        rotation = duty('{members: [eve], every: 1w, handoff: "wed 10:00", start: 2026-01-07}')
        before, after = utc(2026, 1, 6), utc(2026, 1, 8)
        changes = rotation.changes_between(before, after)
        assert rotation.on_call(before) == rotation.on_call(after) or changes


class TestOverrides:
    """Overrides win over the rotation for their window; the later-listed wins an overlap."""

    def test_an_override_holds_exactly_from_until(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """[from, until): eve from 14 Jan 09:00 to 16 Jan 17:30 (GMT, so UTC), not a tick more."""
        rotation = duty(
            WEEKLY_PAIR,
            "- {rotation: duty, person: eve, from: 2026-01-14T09:00, until: 2026-01-16T17:30}",
        )
        assert rotation.on_call(utc(2026, 1, 14, 9) - TICK) == "ben"
        assert rotation.on_call(utc(2026, 1, 14, 9)) == "eve"
        assert rotation.on_call(utc(2026, 1, 16, 17, 30) - TICK) == "eve"
        assert rotation.on_call(utc(2026, 1, 16, 17, 30)) == "ben"

    def test_an_override_does_not_change_the_schedule(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """During the override the rotation's own turn is unchanged, only masked."""
        rotation = duty(
            WEEKLY_PAIR,
            "- {rotation: duty, person: eve, from: 2026-01-14T09:00, until: 2026-01-16T17:30}",
        )
        assert rotation.scheduled(utc(2026, 1, 15)) == "ben"
        assert rotation.on_call(utc(2026, 1, 19, 9)) == "ann"

    def test_naive_override_times_are_in_the_config_timezone(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """In Dublin summer, an override from 09:00 starts at 08:00 UTC and ends at 08:00 UTC."""
        rotation = duty(
            WEEKLY_PAIR,
            "- {rotation: duty, person: eve, from: 2026-07-01T09:00, until: 2026-07-02T09:00}",
        )
        assert rotation.on_call(utc(2026, 7, 1, 8) - TICK) != "eve"
        assert rotation.on_call(utc(2026, 7, 1, 8)) == "eve"
        assert rotation.on_call(utc(2026, 7, 2, 8) - TICK) == "eve"
        assert rotation.on_call(utc(2026, 7, 2, 8)) != "eve"

    def test_naive_override_times_follow_a_non_european_config_timezone(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """In New York (EST, UTC-5) an override from 09:00 starts at 14:00 UTC."""
        rotation = duty(
            WEEKLY_PAIR,
            "- {rotation: duty, person: eve, from: 2026-01-14T09:00, until: 2026-01-14T17:00}",
            timezone="America/New_York",
        )
        assert rotation.on_call(utc(2026, 1, 14, 14) - TICK) != "eve"
        assert rotation.on_call(utc(2026, 1, 14, 14)) == "eve"
        assert rotation.on_call(utc(2026, 1, 14, 22)) != "eve"

    def test_override_times_with_an_offset_are_taken_as_written(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """A ``Z`` or ``+02:00`` suffix pins the instant whatever the config timezone."""
        rotation = duty(
            WEEKLY_PAIR,
            """
            - rotation: duty
              person: eve
              from: 2026-07-01T09:00:00Z
              until: 2026-07-01T10:00:00Z
            - rotation: duty
              person: fay
              from: 2026-07-03T09:00:00+02:00
              until: 2026-07-03T10:00:00+02:00
            """,
        )
        assert rotation.on_call(utc(2026, 7, 1, 9) - TICK) != "eve"
        assert rotation.on_call(utc(2026, 7, 1, 9)) == "eve"
        assert rotation.on_call(utc(2026, 7, 3, 7)) == "fay"
        assert rotation.on_call(utc(2026, 7, 3, 8)) != "fay"

    def test_the_later_listed_override_wins_an_overlap(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """eve holds 14-20 Jan; fay, listed after her, holds 16-18 Jan inside it, then eve again."""
        rotation = duty(
            WEEKLY_PAIR,
            """
            - {rotation: duty, person: eve, from: 2026-01-14T00:00, until: 2026-01-20T00:00}
            - {rotation: duty, person: fay, from: 2026-01-16T00:00, until: 2026-01-18T00:00}
            """,
        )
        assert rotation.on_call(utc(2026, 1, 15)) == "eve"
        assert rotation.on_call(utc(2026, 1, 16)) == "fay"
        assert rotation.on_call(utc(2026, 1, 18) - TICK) == "fay"
        assert rotation.on_call(utc(2026, 1, 18)) == "eve"
        assert rotation.on_call(utc(2026, 1, 20)) == "ann"

    def test_listing_order_not_start_order_decides_an_overlap(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """When the later-listed override starts first, it still wins wherever both apply."""
        rotation = duty(
            WEEKLY_PAIR,
            """
            - {rotation: duty, person: fay, from: 2026-01-16T00:00, until: 2026-01-18T00:00}
            - {rotation: commanders, person: gus, from: 2026-01-01T00:00, until: 2026-02-01T00:00}
            - {rotation: duty, person: eve, from: 2026-01-14T00:00, until: 2026-01-20T00:00}
            """,
        )
        assert rotation.on_call(utc(2026, 1, 15)) == "eve"
        assert rotation.on_call(utc(2026, 1, 17)) == "eve"
        assert rotation.on_call(utc(2026, 1, 20)) == "ann"

    def test_the_later_listed_of_three_overlapping_overrides_wins(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Where all three overlap the last-listed wins; where two do, the later of those two."""
        rotation = duty(
            WEEKLY_PAIR,
            """
            - {rotation: duty, person: fay, from: 2026-01-13T00:00, until: 2026-01-17T00:00}
            - {rotation: duty, person: gus, from: 2026-01-15T00:00, until: 2026-01-19T00:00}
            - {rotation: duty, person: eve, from: 2026-01-14T00:00, until: 2026-01-16T00:00}
            """,
        )
        assert rotation.on_call(utc(2026, 1, 13, 12)) == "fay"
        assert rotation.on_call(utc(2026, 1, 14, 12)) == "eve"
        assert rotation.on_call(utc(2026, 1, 15, 12)) == "eve"
        assert rotation.on_call(utc(2026, 1, 16, 12)) == "gus"
        assert rotation.on_call(utc(2026, 1, 18, 12)) == "gus"
        assert rotation.on_call(utc(2026, 1, 19, 12)) == "ann"

    def test_an_override_of_another_rotation_does_not_leak(
        self, load_rotations: Callable[..., Routing]
    ) -> None:
        """An override names its rotation: the others keep their own schedule."""
        routing = load_rotations(
            f"duty: {WEEKLY_PAIR}",
            """
            - rotation: commanders
              person: eve
              from: 2026-01-14T00:00
              until: 2026-01-16T00:00
            """,
        )
        assert routing.on_call("commanders", utc(2026, 1, 15)) == "eve"
        assert routing.on_call("duty", utc(2026, 1, 15)) == "ben"

    def test_an_override_fills_a_rotation_with_no_members(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """An empty rotation has nobody, except the override's person during its window."""
        rotation = duty(
            "{members: []}",
            "- {rotation: duty, person: gus, from: 2026-01-14T09:00, until: 2026-01-15T09:00}",
        )
        assert rotation.on_call(utc(2026, 1, 14, 9) - TICK) is None
        assert rotation.on_call(utc(2026, 1, 14, 9)) == "gus"
        assert rotation.on_call(utc(2026, 1, 15, 9) - TICK) == "gus"
        assert rotation.on_call(utc(2026, 1, 15, 9)) is None

    def test_an_override_fills_the_gap_before_the_first_turn(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Before a rotation's first turn an override is the only one on call."""
        rotation = duty(
            '{members: [ann, ben], every: 1w, handoff: "mon 09:00", start: 2026-01-07}',
            "- {rotation: duty, person: eve, from: 2026-01-08T00:00, until: 2026-01-09T00:00}",
        )
        assert rotation.on_call(utc(2026, 1, 8, 12)) == "eve"
        assert rotation.on_call(utc(2026, 1, 9, 12)) is None

    def test_the_example_holiday_override(self, example: Routing) -> None:
        """The example's carol override holds from 24 Dec 09:00 to 27 Dec 09:00 Dublin (GMT)."""
        rotation = example.rotations["incident-commanders"]
        assert rotation.override_at(utc(2026, 12, 24, 9) - TICK) is None
        window = rotation.override_at(utc(2026, 12, 24, 9))
        assert window is not None
        assert (window.person, window.until) == ("carol", utc(2026, 12, 27, 9))
        assert rotation.override_at(utc(2026, 12, 27, 9) - TICK) == window
        assert rotation.override_at(utc(2026, 12, 27, 9)) is None

    def test_as_utc_reads_naive_times_in_the_zone_and_keeps_aware_ones(self) -> None:
        """as_utc() is how override times are read: naive → the zone's wall clock."""
        assert as_utc(datetime(2026, 7, 1, 9), DUBLIN) == utc(2026, 7, 1, 8)
        assert as_utc(datetime(2026, 1, 14, 9), NEW_YORK) == utc(2026, 1, 14, 14)
        assert as_utc(utc(2026, 7, 1, 9), DUBLIN) == utc(2026, 7, 1, 9)
        assert as_utc(utc(2026, 7, 1, 9), DUBLIN).tzinfo is UTC


class TestChangesBetween:
    """changes_between(since, until) lists the instants in (since, until] who may change."""

    OVERRIDE = "- {rotation: duty, person: eve, from: 2026-01-14T09:00, until: 2026-01-16T17:30}"

    def test_it_lists_handoffs_in_a_half_open_window(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """A handoff at ``since`` is excluded; one at ``until`` is included."""
        rotation = duty(WEEKLY_TRIO)
        assert rotation.changes_between(utc(2026, 1, 12, 9), utc(2026, 2, 2, 9)) == [
            utc(2026, 1, 19, 9),
            utc(2026, 1, 26, 9),
            utc(2026, 2, 2, 9),
        ]

    def test_it_lists_override_edges_among_handoffs_in_order(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Both edges of an override come out sorted together with the handoffs."""
        rotation = duty(WEEKLY_TRIO, self.OVERRIDE)
        assert rotation.changes_between(utc(2026, 1, 10), utc(2026, 1, 20)) == [
            utc(2026, 1, 12, 9),
            utc(2026, 1, 14, 9),
            utc(2026, 1, 16, 17, 30),
            utc(2026, 1, 19, 9),
        ]

    def test_an_edge_on_a_handoff_is_listed_once(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """An override ending exactly at a handoff gives one change, not two."""
        rotation = duty(
            WEEKLY_TRIO,
            "- {rotation: duty, person: eve, from: 2026-01-14T09:00, until: 2026-01-19T09:00}",
        )
        assert rotation.changes_between(utc(2026, 1, 13), utc(2026, 1, 20)) == [
            utc(2026, 1, 14, 9),
            utc(2026, 1, 19, 9),
        ]

    def test_it_includes_the_first_turn_when_the_window_starts_in_the_gap(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """From before the start, the first handoff (gap → first member) is a change."""
        rotation = duty(WEEKLY_TRIO)
        assert rotation.changes_between(utc(2026, 1, 1), utc(2026, 1, 13)) == [
            utc(2026, 1, 5, 9),
            utc(2026, 1, 12, 9),
        ]

    def test_a_quiet_window_has_no_changes(self, duty: Callable[..., CompiledRotation]) -> None:
        """Mid-week, with no override, nothing changes."""
        rotation = duty(WEEKLY_TRIO, self.OVERRIDE)
        assert rotation.changes_between(utc(2026, 1, 20), utc(2026, 1, 26, 8)) == []

    def test_a_memberless_rotation_lists_only_override_edges(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """With nobody rotating, the only changes are the override's edges."""
        rotation = duty("{members: []}", self.OVERRIDE)
        assert rotation.changes_between(utc(2026, 1, 1), utc(2026, 2, 1)) == [
            utc(2026, 1, 14, 9),
            utc(2026, 1, 16, 17, 30),
        ]

    def test_daily_changes_follow_the_local_clock_across_spring_forward(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """The listed handoffs move from 09:00 UTC to 08:00 UTC when Dublin goes to IST."""
        rotation = duty('{members: [ann, ben], every: 1d, handoff: "09:00", start: 2026-03-25}')
        assert rotation.changes_between(utc(2026, 3, 28), utc(2026, 3, 30, 12)) == [
            utc(2026, 3, 28, 9),
            utc(2026, 3, 29, 8),
            utc(2026, 3, 30, 8),
        ]

    def test_on_call_only_changes_at_listed_instants(
        self, duty: Callable[..., CompiledRotation]
    ) -> None:
        """Hour by hour through three weeks, who is on call changes only at listed instants."""
        rotation = duty(WEEKLY_TRIO, self.OVERRIDE)
        since, until = utc(2026, 1, 1), utc(2026, 1, 22)
        changes = set(rotation.changes_between(since, until))
        moment = since
        while moment < until:
            later = moment + timedelta(hours=1)
            if rotation.on_call(moment) != rotation.on_call(later):
                assert any(moment < change <= later for change in changes)
            moment = later
