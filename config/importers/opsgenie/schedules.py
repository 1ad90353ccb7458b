"""An Opsgenie schedule as a muster rotation, plus overrides for what a rotation cannot say.

Opsgenie puts every rotation of a schedule on call at once (:mod:`.turns`); muster's rotation
is one holder turning at a wall-clock handoff. So:

- one rotation becomes muster's (unrestricted ones first): exact during its turns; where a
  ``time_restriction`` masks it, its holder stays on call (⚠️) unless another rotation covers;
- every other rotation, and one muster cannot turn (another time zone, an ``end_date``, a
  participant twice or ``none``, hourly turns of a day or more), is expanded into overrides over
  the import's horizon (⚠️, re-import before it ends); where two rotations overlap, muster pages
  one of the people Opsgenie has on call;
- the schedule's overrides become overrides, listed last so they win.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from muster.config.importers.expansion import Translated, as_overrides, written_out
from muster.config.importers.opsgenie.model import Rotation, Schedule
from muster.config.importers.opsgenie.turns import on_call, rotation_problem
from muster.config.importers.zones import instant, spelled, zone_or_none
from muster.worker.core.config.durations import WEEKDAYS, format_duration


def _turning(rotation: Rotation, zone: ZoneInfo) -> dict[str, Any] | None:
    """``every``, ``handoff`` and ``start`` for a rotation muster can turn, else None."""
    if rotation.end is not None:
        return None
    start = instant(rotation.start or "", zone).astimezone(zone)
    clock = start.strftime("%H:%M")
    if rotation.type == "hourly":
        if rotation.length >= 24:
            return None
        every = format_duration(timedelta(hours=rotation.length))
        return {"every": every, "handoff": clock, "start": start.date()}
    if rotation.type == "daily":
        return {"every": f"{rotation.length}d", "handoff": clock, "start": start.date()}
    handoff = f"{WEEKDAYS[start.weekday()]} {clock}"
    return {"every": f"{rotation.length}w", "handoff": handoff, "start": start.date()}


def _why_not(rotation: Rotation, own: ZoneInfo, zone: ZoneInfo) -> str:
    if own != zone:
        return f"its time zone {own.key} is not the config's {zone.key}"
    if rotation.end is not None:
        return "it ends (end_date)"
    if rotation.type == "hourly" and rotation.length >= 24:
        return "hourly turns of a day or more"
    return "a participant takes more than one turn, is none, or is not among the files"


def _as_rotation(
    rotation: Rotation, person: Callable[[str], str | None], own: ZoneInfo, zone: ZoneInfo
) -> dict[str, Any] | None:
    members = [person(user) if user else None for user in rotation.participants]
    turning = _turning(rotation, zone) if own == zone else None
    if turning is None or None in members or len(set(members)) != len(members):
        return None
    found: dict[str, Any] = {"members": members}
    return found | turning if len(members) > 1 else found


def _expanded(
    rotations: list[Rotation],
    person: Callable[[str], str | None],
    zones: tuple[ZoneInfo, ZoneInfo],
    since: datetime,
    until: datetime,
) -> list[dict[str, Any]]:
    """The rotations' turns (in the schedule's zone) as overrides (in the config's)."""
    own, zone = zones
    turns = [turn for rotation in rotations for turn in on_call(rotation, own, since, until)]
    return as_overrides(sorted(turns, key=lambda turn: turn.starts), person, zone, since)


def translate_schedule(
    schedule: Schedule,
    person: Callable[[str], str | None],
    zone: ZoneInfo,
    since: datetime,
    horizon: timedelta,
) -> Translated:
    """``schedule`` as a rotation in ``zone`` (the config's), overrides and report notes."""
    until = since + horizon
    own = zone_or_none(schedule.timezone) if schedule.timezone else zone
    own = own or zone
    translated = Translated(rotation={"members": []})
    readable = []
    for rotation in sorted(schedule.rotations, key=lambda r: r.order):
        problem = rotation_problem(rotation, schedule.timezone)
        if problem is None:
            readable.append(rotation)
        else:
            translated.dropped.append((rotation.name, problem))
        if rotation.foreign:
            translated.notes.append(
                f"rotation {rotation.name!r}: {', '.join(rotation.foreign)} are turns muster"
                " cannot page (only users take turns)"
            )
    unknown = sorted({u for r in readable for u in r.participants if u and person(u) is None})
    if unknown:
        translated.notes.append(f"users {', '.join(unknown)} are not among the files")
    candidates = sorted(readable, key=lambda r: bool(r.restrictions))
    made = [(r, _as_rotation(r, person, own, zone)) for r in candidates]
    base, found = next(((r, f) for r, f in made if f is not None), (None, None))
    if base is not None and found is not None:
        translated.rotation = found
        if base.restrictions:
            translated.notes.append(
                f"rotation {base.name!r} is restricted to some hours; muster keeps its holder on"
                " call outside them"
            )
    elif readable:
        translated.notes.append(
            f"rotation {readable[0].name!r} cannot be a rotation's turns"
            f" ({_why_not(readable[0], own, zone)})"
        )
        first = next((p for r in readable for u in r.participants if u and (p := person(u))), None)
        translated.rotation = {"members": [first] if first else []}
    expand = [rotation for rotation in readable if rotation is not base]
    if len(readable) > 1:
        translated.notes.append(
            "its rotations are on call at once in Opsgenie; where they overlap muster pages one"
        )
    expanded = written_out(
        translated,
        [repr(rotation.name) for rotation in expand],
        lambda end: _expanded(expand, person, (own, zone), since, end),
        since,
        until,
    )
    translated.overrides = expanded + _overrides(schedule, person, own, zone, since, translated)
    if not schedule.enabled:
        translated.notes.append("disabled in Opsgenie; muster pages it")
    return translated


def _overrides(
    schedule: Schedule,
    person: Callable[[str], str | None],
    own: ZoneInfo,
    zone: ZoneInfo,
    since: datetime,
    translated: Translated,
) -> list[dict[str, Any]]:
    found = []
    for override in schedule.overrides:
        what = f"override {override.alias or override.start!r}"
        holder = person(override.user) if override.user else None
        try:
            starts = instant(override.start or "", own)
            ends = instant(override.end or "", own)
        except ValueError:
            translated.dropped.append((what, "its start or end is not a date and time"))
            continue
        if holder is None:
            translated.dropped.append((what, f"user {override.user!r} is not among the files"))
            continue
        if ends <= since or ends <= starts:
            continue  # over before the import's day: nothing to carry
        if override.rotations:
            translated.notes.append(
                f"{what} replaces rotations {', '.join(override.rotations)} only; muster's"
                " replaces the whole schedule"
            )
        found.append(
            {
                "person": holder,
                "from": spelled(max(starts, since), zone),
                "until": spelled(ends, zone),
            }
        )
    return found
