"""A PagerDuty schedule as a muster rotation, plus overrides for what a rotation cannot say.

PagerDuty stacks a schedule's layers, the last on top (:mod:`.layers`); muster's rotation is
one layer of single holders turning at a wall-clock handoff, and its overrides win. So:

- the bottom layer becomes muster's rotation when it can (turns of whole days, or under a day,
  in the config's time zone, no ``end``, each user once): exact during its turns; where a
  ``restriction`` masks it, its holder stays on call (⚠️);
- every layer above it, and a bottom layer muster cannot turn, is expanded into overrides over
  the import's horizon, in layer order so the top one wins (⚠️, re-import before it ends).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from muster.config.importers.expansion import Translated, as_overrides, written_out
from muster.config.importers.pagerduty.layers import DAY, layer_problem, on_call
from muster.config.importers.pagerduty.model import Layer, Schedule
from muster.config.importers.zones import instant, zone_or_none
from muster.worker.core.config.durations import format_duration


def _as_rotation(
    layer: Layer, person: Callable[[str], str | None], own: ZoneInfo, zone: ZoneInfo
) -> dict[str, Any] | None:
    members = [person(user) for user in layer.users]
    seconds = layer.turn_seconds or 0
    if own != zone or layer.end or None in members or len(set(members)) != len(members):
        return None
    if seconds > DAY and seconds % DAY:
        return None
    found: dict[str, Any] = {"members": members}
    if len(members) == 1:
        return found
    virtual = instant(layer.virtual_start or "", zone).astimezone(zone)
    every = f"{seconds // DAY}d" if seconds >= DAY else format_duration(timedelta(seconds=seconds))
    return found | {"every": every, "handoff": virtual.strftime("%H:%M"), "start": virtual.date()}


def _expanded(
    layers: list[Layer],
    person: Callable[[str], str | None],
    zones: tuple[ZoneInfo, ZoneInfo],
    since: datetime,
    until: datetime,
) -> list[dict[str, Any]]:
    """The layers' turns (in the schedule's zone) as overrides (in the config's), bottom
    first so the top one wins."""
    own, zone = zones
    found = []
    for layer in layers:
        found += as_overrides(on_call(layer, own, since, until), person, zone, since)
    return found


def translate_schedule(
    schedule: Schedule,
    person: Callable[[str], str | None],
    zone: ZoneInfo,
    since: datetime,
    horizon: timedelta,
) -> Translated:
    """``schedule`` as a rotation in ``zone`` (the config's), overrides and report notes."""
    until = since + horizon
    own = zone_or_none(schedule.time_zone) or zone
    translated = Translated(rotation={"members": []})
    layers = []
    for layer in schedule.layers:
        problem = layer_problem(layer, schedule.time_zone)
        if problem is None:
            layers.append(layer)
        else:
            translated.dropped.append((layer.name, problem))
    unknown = sorted({user for layer in layers for user in layer.users if person(user) is None})
    if unknown:
        translated.notes.append(f"users {', '.join(unknown)} are not among the files")
    if not layers:
        return translated
    base = _as_rotation(layers[0], person, own, zone)
    expand = layers[1:] if base is not None else layers
    if base is not None:
        translated.rotation = base
        if layers[0].restrictions:
            translated.notes.append(
                f"layer {layers[0].name!r} is restricted to some hours; muster keeps its holder"
                " on call outside them"
            )
    else:
        translated.notes.append(
            f"layer {layers[0].name!r} cannot be a rotation's turns (another time zone, an end,"
            " a user twice or not among the files, or turns over a day but not whole days)"
        )
        first = next((p for layer in layers for u in layer.users if (p := person(u))), None)
        translated.rotation = {"members": [first] if first else []}
    translated.overrides = written_out(
        translated,
        [repr(layer.name) for layer in expand],
        lambda end: _expanded(expand, person, (own, zone), since, end),
        since,
        until,
    )
    return translated
