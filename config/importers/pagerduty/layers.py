"""PagerDuty's schedule layers as it turns them: who holds each turn, masked by restrictions.

A layer's users take turns of ``rotation_turn_length_seconds`` counted from
``rotation_virtual_start``; the layer is in effect from ``start`` (until ``end``). A turn of
whole days is counted on the wall clock of the schedule's time zone, so its handoff keeps its
local time across daylight-saving changes; a shorter turn is elapsed time. A ``restriction``
masks the turns to its windows (every day, or from a weekday, for ``duration_seconds``); the
handoffs stay where they were. The last layer is on top: it wins wherever it has someone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from muster.config.importers.expansion import Opening, Turn, masked, open_windows
from muster.config.importers.pagerduty.model import Layer
from muster.config.importers.zones import instant, parses, zone_or_none
from muster.worker.core.paging.rotations import localize

DAY = 86400


def _problems(layer: Layer, zone: str | None) -> Iterator[str]:
    if layer.problem:
        yield layer.problem
    if not layer.turn_seconds or layer.turn_seconds <= 0:
        yield f"rotation_turn_length_seconds {layer.turn_seconds!r} is not positive"
    if zone_or_none(zone) is None:
        yield f"time zone {zone!r} is not an IANA name"
    for key, text in (("start", layer.start), ("rotation_virtual_start", layer.virtual_start)):
        if not parses(text):
            yield f"{key} {text!r} is not a date and time"
    if layer.end is not None and not parses(layer.end):
        yield f"end {layer.end!r} is not a date and time"
    if not layer.users:
        yield "names no user"


def layer_problem(layer: Layer, zone: str | None) -> str | None:
    """Why PagerDuty's definition of ``layer`` cannot be read, or None when it can."""
    return next(_problems(layer, zone), None)


def turn_start(layer: Layer, zone: ZoneInfo, turn: int) -> datetime:
    """When turn number ``turn`` (from the virtual start) begins (UTC)."""
    virtual = instant(layer.virtual_start or "", zone)
    seconds = (layer.turn_seconds or DAY) * turn
    if (layer.turn_seconds or 0) % DAY:
        return virtual + timedelta(seconds=seconds)
    local = virtual.astimezone(zone).replace(tzinfo=None)
    return localize(local + timedelta(days=seconds // DAY), zone).astimezone(UTC)


def _turns(layer: Layer, zone: ZoneInfo, since: datetime, until: datetime) -> Iterator[Turn]:
    start = instant(layer.start or "", zone)
    end = instant(layer.end, zone) if layer.end else None
    since = max(since, start)
    until = min(until, end) if end else until
    period = timedelta(seconds=layer.turn_seconds or DAY)
    turn = (since - instant(layer.virtual_start or "", zone)) // period - 1
    while (starts := turn_start(layer, zone, turn)) < until:
        ends = min(turn_start(layer, zone, turn + 1), until)
        if ends > since:
            yield Turn(max(starts, since), ends, layer.users[turn % len(layer.users)])
        turn += 1


def on_call(layer: Layer, zone: ZoneInfo, since: datetime, until: datetime) -> list[Turn]:
    """Who the layer has on call over [since, until): its turns, masked by restrictions."""
    found = list(_turns(layer, zone, since, until))
    if not layer.restrictions:
        return found
    openings = [Opening(r.weekday, r.minute, r.seconds // 60) for r in layer.restrictions]
    return masked(found, open_windows(openings, zone, since, until))
