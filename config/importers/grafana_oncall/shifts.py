"""An OnCall schedule as a muster rotation, plus overrides for what a rotation cannot say.

OnCall expands each shift as recurrences (:mod:`.recurrence`); higher ``level`` layers win,
overrides win over all. muster's rotation is one layer of single holders turning at a wall-clock
handoff, so:

- the lowest layer's rolling shift becomes the rotation (handing over at its period's start, on
  ``week_start`` when days are masked): exact during its shifts; between restricted shifts the
  holder stays on call (⚠️);
- every other shift (higher layers, one-off events, a layer muster cannot turn: monthly, a member
  twice, another time zone) is expanded into
  overrides over the import horizon (⚠️, re-import before it ends);
- OnCall's overrides become overrides, listed last so they win.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from muster.config.importers.grafana_oncall.model import Schedule, Shift
from muster.config.importers.grafana_oncall.recurrence import (
    DEFAULT_WEEK_START,
    ICAL_DAYS,
    groups_of,
    naive,
    occurrences,
    shift_problem,
)
from muster.config.importers.zones import spelled, steady
from muster.worker.core.config.durations import WEEKDAYS, format_duration

MAX_EXPANDED = 2000
"""Overrides one schedule may expand into; past it the horizon is cut short (and reported)."""


@dataclass
class Translated:
    """A schedule in muster's terms, and what the report says of it: ``notes`` on the schedule
    (approximations), ``dropped`` shifts with why."""

    rotation: dict[str, Any]
    overrides: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    exact: bool = True


def _overruns(shift: Shift) -> bool:
    """Whether a weekly shift masked by days runs past its week's end (``week_start``) into
    the next holder's turn, where muster's handoff would cut it short."""
    if shift.frequency != "weekly" or not shift.by_day:
        return False
    first = ICAL_DAYS.index(shift.week_start or DEFAULT_WEEK_START)
    days = [ICAL_DAYS.index(day) for day in shift.by_day if day in ICAL_DAYS]
    last = max(((day - first) % 7 for day in days), default=0)
    return last * 86400 + (shift.duration or 0) > shift.interval * 7 * 86400


def _turning(shift: Shift, start: datetime, zone: ZoneInfo) -> tuple[str, str, datetime] | None:
    """The rotation's every, handoff and first day, for a shift muster can turn; else None."""
    if shift.type not in ("rolling_users", "recurrent_event") or shift.until or _overruns(shift):
        return None
    if shift.frequency not in ("hourly", "daily", "weekly") or shift.by_month or shift.by_monthday:
        return None
    clock = start.strftime("%H:%M")
    if shift.frequency == "hourly":
        # OnCall counts hours on the wall clock, muster's sub-day turns in elapsed time: the
        # same only where the clocks never change.
        if shift.interval >= 24 or not steady(zone, start.year):
            return None
        return format_duration(timedelta(hours=shift.interval)), clock, start
    if shift.frequency == "daily":
        return f"{shift.interval}d", clock, start
    if shift.by_day:
        first = ICAL_DAYS.index(shift.week_start or DEFAULT_WEEK_START)
        start -= timedelta(days=(start.weekday() - first) % 7)
    return f"{shift.interval}w", f"{WEEKDAYS[start.weekday()]} {clock}", start


def _covers(shift: Shift) -> bool:
    """Whether the shift leaves no gap between its occurrences."""
    period = {"hourly": 3600, "daily": 86400, "weekly": 604800}.get(shift.frequency or "", 0)
    if not period or (shift.duration or 0) < period * shift.interval:
        return False
    return not shift.by_day or (shift.frequency == "daily" and len(set(shift.by_day)) == 7)


def base_shift(shifts: list[Shift]) -> Shift | None:
    """The layer muster's rotation is made of: the lowest level's widest recurring shift."""
    layers = [s for s in shifts if s.type in ("rolling_users", "recurrent_event") and s.start]
    if not layers:
        return None
    return min(layers, key=lambda s: (s.level, not _covers(s), -(s.duration or 0), s.id))


def translate_schedule(
    schedule: Schedule,
    shifts: list[Shift],
    person: Callable[[str], str | None],
    zone: ZoneInfo,
    since: datetime,
    horizon: timedelta,
) -> Translated:
    """``schedule`` as a rotation in ``zone`` (the config's), overrides and report notes."""
    until = since + horizon
    translated = Translated(rotation={"members": []})
    readable = []
    for shift in shifts:
        problem = shift_problem(shift, schedule)
        if problem is None:
            readable.append(shift)
        else:
            translated.dropped.append((shift.name, problem))
    shifts = readable
    unknown = sorted({u for s in shifts for g in groups_of(s) for u in g if person(u) is None})
    if unknown:
        translated.exact = False
        translated.notes.append(f"users {', '.join(unknown)} are not among the files")
    base = base_shift(shifts)
    expand = [s for s in shifts if s is not base and s.type != "override"]
    own_zone = ZoneInfo(base.time_zone or schedule.time_zone or "UTC") if base else zone
    members = [person(group[0]) for group in groups_of(base)] if base else []
    turning = _turning(base, naive(base.start or "", own_zone), own_zone) if base else None
    if base is not None and turning and own_zone == zone and None not in members:
        ordered = [m for m in members if m is not None]
        ordered = (
            ordered[base.start_index % len(ordered) :] + ordered[: base.start_index % len(ordered)]
        )
        if len(set(ordered)) == len(ordered):
            every, handoff, first = turning
            translated.rotation = {"members": ordered}
            if len(ordered) > 1:
                translated.rotation |= {"every": every, "handoff": handoff, "start": first.date()}
            if not _covers(base):
                translated.exact = False
                translated.notes.append(
                    f"shift {base.name!r} is on call only part of each period; muster keeps its"
                    " holder on call between shifts"
                )
            base = None  # it is the rotation; nothing of it to expand
    if base is not None:
        translated.notes.append(
            f"shift {base.name!r} cannot be a rotation's turns ({_why_not(base, own_zone, zone)})"
        )
        expand.insert(0, base)
        first_user = next((p for s in expand for g in groups_of(s) if (p := person(g[0]))), None)
        translated.rotation = {"members": [first_user] if first_user else []}
    for shift in shifts:
        if any(len(group) > 1 for group in groups_of(shift)):
            translated.exact = False
            translated.notes.append(
                f"shift {shift.name!r} puts several people on call at once; muster pages the"
                " first of each group"
            )
    layered = sorted(expand, key=lambda s: s.level)
    overrides_of = [s for s in shifts if s.type == "override"]
    translated.overrides = _windows(
        [*layered, *overrides_of], schedule, person, zone, since, until, translated
    )
    if layered:
        translated.exact = False
        names = ", ".join(repr(s.name) for s in layered)
        translated.notes.append(
            f"{names} expanded into overrides until {until.date()}: re-run the import before then"
        )
    return translated


def _why_not(base: Shift, own_zone: ZoneInfo, zone: ZoneInfo) -> str:
    if own_zone != zone:
        return f"its time zone {own_zone.key} is not the config's {zone.key}"
    if base.frequency == "monthly" or base.by_month or base.by_monthday:
        return "muster's rotations do not turn by months"
    if base.frequency == "hourly":
        return "hourly turns in a zone with daylight saving, or of a day or more"
    if base.until:
        return "it ends (until)"
    if _overruns(base):
        return "a shift runs past the end of its week (week_start) into the next turn"
    return "a user takes more than one turn, or is not among the files"


def _windows(
    shifts: list[Shift],
    schedule: Schedule,
    person: Callable[[str], str | None],
    zone: ZoneInfo,
    since: datetime,
    until: datetime,
    translated: Translated,
) -> list[dict[str, Any]]:
    windows = []
    for shift in shifts:
        shift_zone = ZoneInfo(shift.time_zone or schedule.time_zone or "UTC")
        for occurrence in occurrences(shift, shift_zone, since, until):
            holder = person(occurrence.users[0]) if occurrence.users else None
            if holder is None:
                continue
            windows.append(
                {
                    "person": holder,
                    "from": spelled(max(occurrence.starts, since), zone),
                    "until": spelled(occurrence.ends, zone),
                }
            )
    if len(windows) > MAX_EXPANDED:
        translated.notes.append(
            f"{len(windows)} overrides cut to {MAX_EXPANDED}:"
            f" the last ends {windows[MAX_EXPANDED - 1]['until']}"
        )
        windows = windows[:MAX_EXPANDED]
    return windows
