"""Turns written out as overrides: for layers and rotations a muster rotation cannot say.

A source computes who holds each turn (and masks turns by its restrictions); what is left is
the same for every source: intersecting turns with open windows, and writing each person's
back-to-back turns as one override in the config's zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from muster.config.importers.zones import spelled
from muster.worker.core.paging.rotations import localize

Window = tuple[datetime, datetime]
MAX_EXPANDED = 2000
"""Overrides one schedule may expand into; past it the horizon is cut short (and reported)."""


@dataclass
class Translated:
    """A schedule in muster's terms, and what the report says of it: ``notes`` on the schedule
    (approximations), ``dropped`` parts with why."""

    rotation: dict[str, Any]
    overrides: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    covered_until: datetime | None = None  # when overrides were cut short: how far they hold


@dataclass(frozen=True, slots=True)
class Turn:
    """From ``starts`` until ``ends`` (UTC), ``user`` (an id; None: nobody) is on call."""

    starts: datetime
    ends: datetime
    user: str | None


def merged(windows: Iterable[Window]) -> list[Window]:
    """Overlapping or touching windows as one, in order."""
    found: list[Window] = []
    for begins, ends in sorted(windows):
        if found and begins <= found[-1][1]:
            found[-1] = (found[-1][0], max(found[-1][1], ends))
        else:
            found.append((begins, ends))
    return found


@dataclass(frozen=True, slots=True)
class Opening:
    """A restriction's window in a zone's wall clock: from ``minute`` after midnight, on
    ``weekday`` (0 Monday; None: every day), for ``minutes`` of wall-clock time."""

    weekday: int | None
    minute: int
    minutes: int


def open_windows(
    openings: list[Opening], zone: ZoneInfo, since: datetime, until: datetime
) -> list[Window]:
    """The openings' windows overlapping [since, until), merged, in UTC."""
    found = []
    day = since.astimezone(zone).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    day -= timedelta(days=8)
    last = until.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    while day < last:
        for opening in openings:
            if opening.weekday is not None and day.weekday() != opening.weekday:
                continue
            begins = day + timedelta(minutes=opening.minute)
            ends = begins + timedelta(minutes=opening.minutes)
            found.append(
                (localize(begins, zone).astimezone(UTC), localize(ends, zone).astimezone(UTC))
            )
        day += timedelta(days=1)
    # A window wholly inside a spring-forward gap (01:00-01:30 in London on the day the clocks
    # skip 01:00-02:00) begins and ends at the same instant: nobody is on call in it.
    utc = [
        (begins.astimezone(UTC), ends.astimezone(UTC)) for begins, ends in found if ends > begins
    ]
    return [(b, e) for b, e in merged(utc) if e > since and b < until]


def masked(turns: Iterable[Turn], open_: list[Window]) -> list[Turn]:
    """The parts of ``turns`` inside the ``open_`` windows (merged, in order)."""
    found = []
    index = 0
    for turn in turns:
        while index < len(open_) and open_[index][1] <= turn.starts:
            index += 1
        for begins, ends in open_[index:]:
            if begins >= turn.ends:
                break
            found.append(Turn(max(begins, turn.starts), min(ends, turn.ends), turn.user))
    return found


def as_overrides(
    turns: Iterable[Turn], person: Callable[[str], str | None], zone: ZoneInfo, since: datetime
) -> list[dict[str, Any]]:
    """Turns (in order) as overrides from ``since``, a person's back-to-back turns as one."""
    found: list[tuple[str, datetime, datetime]] = []
    for turn in turns:
        holder = person(turn.user) if turn.user else None
        if holder is None or turn.ends <= since or turn.ends <= turn.starts:
            continue
        starts = max(turn.starts, since)
        if found and found[-1][0] == holder and found[-1][2] == starts:
            found[-1] = (holder, found[-1][1], turn.ends)
        else:
            found.append((holder, starts, turn.ends))
    return [
        {"person": holder, "from": spelled(starts, zone), "until": spelled(ends, zone)}
        for holder, starts, ends in found
    ]


def written_out(
    translated: Translated,
    names: list[str],
    expand: Callable[[datetime], list[dict[str, Any]]],
    since: datetime,
    until: datetime,
) -> list[dict[str, Any]]:
    """The overrides ``expand`` writes out from ``since`` until ``until`` for the parts
    ``names``, at most :data:`MAX_EXPANDED`: past it the horizon is shortened (and
    ``translated`` says until when the import holds); both are noted for the report."""
    found = expand(until)
    while len(found) > MAX_EXPANDED:
        until = since + (until - since) * MAX_EXPANDED // len(found)
        found = expand(until)
        translated.covered_until = until
    if names:
        translated.notes.append(
            f"{', '.join(names)} expanded into overrides until {until.date()}: re-run the"
            " import before then"
        )
    if translated.covered_until is not None:
        translated.notes.append(f"overrides cut to {MAX_EXPANDED} or fewer")
    return found
