"""Who is on call for a rotation at an instant, and when that changes.

Turns are counted in the config's timezone, on the calendar: a daily rotation handing over at 09:00
hands over at 09:00 local time on both sides of a daylight-saving change, so a turn may last 23 or
25 hours. Periods shorter than a day are plain elapsed time. Overrides win over the rotation for
their window; when two overlap, the one listed later in the config wins, as the most recent edit.
Before its ``start`` a rotation of several members has nobody on call: a gap the linter reports.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from muster.worker.core.config.model import Override, Rotation, RoutingConfig

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)


def localize(naive: datetime, zone: tzinfo) -> datetime:
    """Attach ``zone`` to a wall-clock time, resolving DST folds and gaps the way people mean them.

    A time repeated by a fall-back change means its first occurrence; a time skipped by a
    spring-forward change means the instant the clocks jumped (01:30 on Dublin's spring-forward
    day → 02:00 IST, the moment 01:00 GMT became 02:00 IST).
    """
    aware = naive.replace(tzinfo=zone, fold=0)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
        return aware
    # Skipped: the jump lies between the two readings of the wall time; find it to the second.
    low, high = sorted((naive.replace(tzinfo=zone, fold=1).astimezone(UTC), aware.astimezone(UTC)))
    while high - low > _SECOND:
        middle = low + timedelta(seconds=int((high - low).total_seconds() // 2))
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.astimezone(zone)


def as_utc(moment: datetime, zone: tzinfo) -> datetime:
    """A config time as an aware UTC instant; naive times are wall-clock times in ``zone``."""
    if moment.tzinfo is None:
        moment = localize(moment, zone)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class OverrideWindow:
    """An override resolved to UTC, with its place in the config for precedence."""

    starts: datetime
    until: datetime
    person: str
    position: int


@dataclass(frozen=True, slots=True)
class CompiledRotation:
    """A rotation with its anchor and overrides resolved once, so each lookup is arithmetic."""

    name: str
    members: tuple[str, ...]
    every: timedelta | None
    handoff: time
    anchor_day: date | None
    zone: tzinfo
    overrides: tuple[OverrideWindow, ...]
    _override_starts: tuple[datetime, ...]
    first_turn: datetime | None = None  # when turn 0 begins (UTC), for rotations that turn

    def on_call(self, at: datetime) -> str | None:
        """The one person on call at ``at`` (aware), or None during a gap."""
        override = self.override_at(at)
        if override is not None:
            return override.person
        return self.scheduled(at)

    def override_at(self, at: datetime) -> OverrideWindow | None:
        """The override in force at ``at``, if any (the last-listed wins an overlap)."""
        if not self.overrides:
            return None
        upto = bisect_right(self._override_starts, at)
        winner: OverrideWindow | None = None
        for window in self.overrides[:upto]:
            if at < window.until and (winner is None or window.position > winner.position):
                winner = window
        return winner

    def scheduled(self, at: datetime) -> str | None:
        """Whose turn it is by the rotation alone, ignoring overrides."""
        if not self.members:
            return None
        if len(self.members) == 1 and (self.every is None or self.anchor_day is None):
            return self.members[0]
        turn = self.turn_index(at)
        if turn is None:
            return None
        return self.members[turn % len(self.members)]

    def turn_index(self, at: datetime) -> int | None:
        """How many handoffs have happened since the first turn began; None before it."""
        if self.every is None or self.anchor_day is None:
            return 0
        first = self.first_turn
        if first is None or at < first:
            return None
        if self.every < _DAY:
            return int((at - first) / self.every)
        period_days = self.every.days
        local_day = at.astimezone(self.zone).date()
        turn = (local_day - self.anchor_day).days // period_days
        # The estimate is off by at most one turn around the handoff time of a boundary day.
        while self.boundary(turn + 1) <= at:
            turn += 1
        while turn > 0 and self.boundary(turn) > at:
            turn -= 1
        return turn

    def boundary(self, turn: int) -> datetime:
        """The UTC instant turn number ``turn`` begins."""
        if self.anchor_day is None or self.every is None:
            raise ValueError(f"rotation {self.name!r} has no turns to count")
        if self.every < _DAY:
            # Sub-day turns are elapsed time from the first turn, not wall-clock hours.
            first = self.first_turn or localize(
                datetime.combine(self.anchor_day, self.handoff), self.zone
            ).astimezone(UTC)
            return first + turn * self.every
        day = self.anchor_day + turn * timedelta(days=self.every.days)
        return localize(datetime.combine(day, self.handoff), self.zone).astimezone(UTC)

    def changes_between(self, since: datetime, until: datetime) -> list[datetime]:
        """Instants in ``(since, until]`` when who is on call may change: handoffs, overrides."""
        moments: set[datetime] = set()
        for window in self.overrides:
            for edge in (window.starts, window.until):
                if since < edge <= until:
                    moments.add(edge)
        if self.every is not None and self.anchor_day is not None and self.members:
            turn = self.turn_index(since)
            turn = -1 if turn is None else turn
            while True:
                edge = self.boundary(turn + 1)
                if edge > until:
                    break
                if edge > since:
                    moments.add(edge)
                turn += 1
        return sorted(moments)


def compile_rotation(
    name: str, rotation: Rotation, overrides: list[tuple[int, Override]], zone: tzinfo
) -> CompiledRotation:
    """Resolve a rotation's first handoff and its overrides to UTC, once, at config load."""
    handoff = rotation.handoff.at if rotation.handoff else time(0, 0)
    anchor_day = rotation.start
    if (
        anchor_day is not None
        and rotation.handoff is not None
        and rotation.handoff.weekday is not None
    ):
        anchor_day += timedelta(days=(rotation.handoff.weekday - anchor_day.weekday()) % 7)
    first_turn = None
    if anchor_day is not None:
        first_turn = localize(datetime.combine(anchor_day, handoff), zone).astimezone(UTC)
    windows = sorted(
        (
            OverrideWindow(
                starts=as_utc(override.starts, zone),
                until=as_utc(override.until, zone),
                person=override.person,
                position=position,
            )
            for position, override in overrides
        ),
        key=lambda window: (window.starts, window.position),
    )
    return CompiledRotation(
        name=name,
        members=tuple(rotation.members),
        every=rotation.every,
        handoff=handoff,
        anchor_day=anchor_day,
        zone=zone,
        overrides=tuple(windows),
        _override_starts=tuple(window.starts for window in windows),
        first_turn=first_turn,
    )


def compile_rotations(config: RoutingConfig) -> dict[str, CompiledRotation]:
    """Every rotation of a validated config, ready for lookups."""
    by_rotation: dict[str, list[tuple[int, Override]]] = {}
    for position, override in enumerate(config.overrides):
        by_rotation.setdefault(override.rotation, []).append((position, override))
    return {
        name: compile_rotation(name, rotation, by_rotation.get(name, []), config.zone)
        for name, rotation in config.rotations.items()
    }
