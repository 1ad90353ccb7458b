"""Random rotation shapes for property tests (Hypothesis): members, periods, handoffs, starts
and overrides in zones with and without DST, and the DST changes of 2026 to test across.

Shared by the rotation engine's properties, the final-shift listing and the calendar feeds, so
all three are checked over the same shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from muster.worker.core.paging.rotations import CompiledRotation
from tests.harness.configs import minimal_document

ZONES = ("UTC", "Europe/Dublin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")
WITHOUT_DST = ("UTC", "Asia/Kolkata")
PEOPLE = ("ann", "ben", "cat", "dan", "eve", "fay")
STAND_INS = ("sub", "tom")  # people who only ever hold a rotation by override
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PERIODS = {
    "12h": timedelta(hours=12),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
    "2w": timedelta(weeks=2),
}
TICK = timedelta(microseconds=1)

PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# A known bug fails on its first example: skip shrinking, so the strict xfail costs milliseconds.
ACROSS_DST = settings(PROPERTY, max_examples=25, phases=[Phase.explicit, Phase.generate])

SUB_DAY_BUG = (
    "CompiledRotation.boundary() adds sub-day periods to an aware local datetime (wall-clock"
    " arithmetic) while turn_index() counts elapsed time, so across a DST change boundary(n)"
    " and changes_between() miss the real handoffs by the size of the change"
)
NONEXISTENT_BUG = (
    "localize() resolves a handoff at a wall time skipped by spring-forward to naive + gap"
    " (fold=0 keeps the pre-transition offset) instead of the jump instant"
)


@dataclass(frozen=True)
class Shape:
    """A rotation as ops would write it, plus naive override windows in the config's zone."""

    zone: str
    members: tuple[str, ...]
    every: str | None
    handoff: str | None
    start: date | None
    overrides: tuple[tuple[str, datetime, datetime], ...]

    def document(self) -> dict[str, Any]:
        """minimal_document() with this shape as rotation ``duty`` and its overrides."""
        document = minimal_document()
        document["timezone"] = self.zone
        for person in (*PEOPLE, *STAND_INS):
            document["people"].setdefault(person, {"name": person.title(), "chat": person})
        rotation: dict[str, Any] = {"members": list(self.members)}
        if self.every is not None:
            rotation["every"] = self.every
        if self.handoff is not None:
            rotation["handoff"] = self.handoff
        if self.start is not None:
            rotation["start"] = self.start
        document["rotations"]["duty"] = rotation
        document["overrides"] = [
            {"rotation": "duty", "person": person, "from": starts, "until": until}
            for person, starts, until in self.overrides
        ]
        return document

    @property
    def base(self) -> datetime:
        """A naive local moment near the rotation's first turn, to draw instants around."""
        return datetime.combine(self.start or date(2026, 1, 1), time())


@st.composite
def shapes(
    draw: st.DrawFn,
    zones: tuple[str, ...] = ZONES,
    periods: tuple[str, ...] | None = None,
    members: tuple[int, int] = (1, 5),
) -> Shape:
    """A random rotation shape; by default 12h periods only where there is no DST."""
    zone = draw(st.sampled_from(zones))
    if periods is None:
        periods = tuple(PERIODS) if zone in WITHOUT_DST else ("1d", "1w", "2w")
    count = draw(st.integers(*members))
    chosen = tuple(draw(st.permutations(PEOPLE))[:count])
    every = draw(st.sampled_from(periods if count > 1 else (None, *periods)))
    clock = time(
        draw(st.integers(0, 23)), draw(st.sampled_from((0, 15, 30, 45)) | st.integers(0, 59))
    )
    weekday = None
    if every in ("1w", "2w"):
        weekday = draw(st.none() | st.sampled_from(WEEKDAYS))
    handoff: str | None = clock.strftime("%H:%M")
    if weekday is not None:
        handoff = f"{weekday} {clock:%H:%M}"
    elif draw(st.integers(0, 4)) == 0:
        handoff = None  # the default: midnight
    start: date | None = draw(st.dates(date(2025, 1, 1), date(2027, 12, 31)))
    if count == 1 and draw(st.booleans()):
        start = None
    base = datetime.combine(start or date(2026, 1, 1), time())
    overrides = draw(
        st.lists(
            st.tuples(
                st.sampled_from((*PEOPLE, *STAND_INS)),
                st.integers(0, 120 * 24 * 4).map(lambda q: base + timedelta(minutes=15 * q)),
                st.integers(1, 10 * 24 * 4).map(lambda q: timedelta(minutes=15 * q)),
            ).map(lambda window: (window[0], window[1], window[1] + window[2])),
            max_size=3,
        )
    )
    return Shape(zone, chosen, every, handoff, start, tuple(overrides))


def first_moment(rotation: CompiledRotation, shape: Shape) -> datetime:
    """From when someone is on call by the rotation alone: its first turn, or (without turns)
    a day before the overrides begin, since then the one member is always on call."""
    if rotation.every is None or rotation.anchor_day is None:
        return shape.base.replace(tzinfo=UTC) - timedelta(days=1)
    return rotation.boundary(0)


# Spring-forward changes of 2026: zone, day, first skipped wall time, gap, UTC instant of the jump.
SPRING_FORWARD = (
    ("Europe/Dublin", date(2026, 3, 29), time(1, 0), 60, datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    ("Europe/London", date(2026, 3, 29), time(1, 0), 60, datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    ("America/New_York", date(2026, 3, 8), time(2, 0), 60, datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
    (
        "Australia/Lord_Howe",
        date(2026, 10, 4),
        time(2, 0),
        30,
        datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
    ),
)
DST_CHANGES = (
    *((zone, day) for zone, day, *_ in SPRING_FORWARD),
    ("Europe/Dublin", date(2026, 10, 25)),
    ("America/New_York", date(2026, 11, 1)),
    ("Australia/Lord_Howe", date(2026, 4, 5)),
)
