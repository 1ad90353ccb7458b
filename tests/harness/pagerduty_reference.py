"""Who PagerDuty has on call at an instant, computed straight from a schedule's definition.

A reference for the import's tests, written apart from the importer (which walks turns and
intersects them with restriction windows): here an instant is placed by arithmetic — is the
layer in effect, which turn it falls in (whole days on the schedule's wall clock, else elapsed
seconds from the virtual start), whose turn that is, and whether the instant's local minute of
the day (or of the week) lies within a restriction's duration from its start. The last layer
with someone on call wins.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from muster.config.importers.pagerduty.model import Layer, Schedule
from muster.worker.core.paging.rotations import localize

DAY = 86400


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _turn(layer: Layer, zone: ZoneInfo, at: datetime) -> int:
    virtual = _instant(layer.virtual_start or "")
    length = timedelta(seconds=layer.turn_seconds or 0)
    if (layer.turn_seconds or 0) % DAY:
        return (at - virtual) // length
    local_start = virtual.astimezone(zone).replace(tzinfo=None)
    turn = (at.astimezone(zone).replace(tzinfo=None) - local_start) // length
    while localize(local_start + (turn + 1) * length, zone) <= at:
        turn += 1
    while localize(local_start + turn * length, zone) > at:
        turn -= 1
    return turn


def _open(layer: Layer, zone: ZoneInfo, at: datetime) -> bool:
    if not layer.restrictions:
        return True
    local = at.astimezone(zone)
    of_day = local.hour * 60 + local.minute
    of_week = local.weekday() * 1440 + of_day
    for window in layer.restrictions:
        minutes = window.seconds // 60
        if window.weekday is None and (of_day - window.minute) % 1440 < minutes:
            return True
        start = (window.weekday or 0) * 1440 + window.minute
        if window.weekday is not None and (of_week - start) % (7 * 1440) < minutes:
            return True
    return False


def on_call(schedule: Schedule, at: datetime) -> str | None:
    """The user id PagerDuty has on call for ``schedule`` at ``at`` (aware), if anyone."""
    zone = ZoneInfo(schedule.time_zone or "UTC")
    for layer in reversed(schedule.layers):
        if at < _instant(layer.start or "") or (layer.end and at >= _instant(layer.end)):
            continue
        if _open(layer, zone, at):
            return layer.users[_turn(layer, zone, at) % len(layer.users)]
    return None
