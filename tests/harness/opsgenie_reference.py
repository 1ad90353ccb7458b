"""Who Opsgenie has on call at an instant, computed straight from a schedule's definition.

A reference for the import's tests, written apart from the importer (which walks turns and
intersects them with restriction windows): here an instant is placed by arithmetic — which
turn it falls in (elapsed hours; days and weeks on the schedule's wall clock), whose turn that
is, and whether the instant's local minute of the day (or of the week) lies inside a
restriction, wrapping when a window ends before it starts. Every rotation is on call at once;
an override replaces the rotations it names, or all of them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from muster.config.importers.opsgenie.model import Rotation, Schedule
from muster.worker.core.paging.rotations import localize

PERIOD = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _turn(rotation: Rotation, zone: ZoneInfo, at: datetime) -> int | None:
    start = _instant(rotation.start or "")
    if at < start or (rotation.end and at >= _instant(rotation.end)):
        return None
    period = PERIOD[rotation.type or ""] * rotation.length
    if rotation.type == "hourly":
        return (at - start) // period
    local_start = start.astimezone(zone).replace(tzinfo=None)
    turn = (at.astimezone(zone).replace(tzinfo=None) - local_start) // period
    while localize(local_start + (turn + 1) * period, zone) <= at:
        turn += 1
    while localize(local_start + turn * period, zone) > at:
        turn -= 1
    return turn


def _inside(minute: int, starts: int, ends: int) -> bool:
    if starts == ends:
        return True
    if starts < ends:
        return starts <= minute < ends
    return minute >= starts or minute < ends  # wraps past midnight, or past Sunday


def _open(rotation: Rotation, zone: ZoneInfo, at: datetime) -> bool:
    if not rotation.restrictions:
        return True
    local = at.astimezone(zone)
    of_day = local.hour * 60 + local.minute
    of_week = local.weekday() * 1440 + of_day
    return any(
        _inside(of_week if window.weekly else of_day, window.starts, window.ends)
        for window in rotation.restrictions
    )


def on_call(schedule: Schedule, at: datetime) -> set[str]:
    """The user ids Opsgenie has on call for ``schedule`` at ``at`` (aware)."""
    zone = ZoneInfo(schedule.timezone or "UTC")
    holders: dict[str, str | None] = {}
    for rotation in schedule.rotations:
        turn = _turn(rotation, zone, at)
        if turn is not None and _open(rotation, zone, at):
            holders[rotation.id] = rotation.participants[turn % len(rotation.participants)]
    for override in schedule.overrides:
        if _instant(override.start or "") <= at < _instant(override.end or ""):
            names = override.rotations or [r.id for r in schedule.rotations]
            holders = {
                rotation: user
                for rotation, user in holders.items()
                if rotation not in names
                and not any(r.name in names for r in schedule.rotations if r.id == rotation)
            }
            holders["override"] = override.user
    return {user for user in holders.values() if user}
