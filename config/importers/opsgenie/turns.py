"""Opsgenie's rotations as it turns them: who holds each turn, masked by time restrictions.

A rotation starts at ``start_date``; its participants take turns of ``length`` units in the
order listed (``none`` is a turn of nobody), until ``end_date``. Days and weeks are counted on
the wall clock of the schedule's time zone, so a handoff keeps its local time across
daylight-saving changes; hours are elapsed time. A ``time_restriction`` masks each turn to its
windows (every day for ``time-of-day``, from a weekday to a weekday for
``weekday-and-time-of-day``; an end before the start wraps past midnight, or past Sunday), and
the handoffs stay where they were. :func:`rotation_problem` says why a definition cannot be
read, before anything is expanded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from muster.config.importers.expansion import Opening, Turn, masked, open_windows
from muster.config.importers.opsgenie.model import MINUTES_A_DAY, Restriction, Rotation
from muster.config.importers.zones import instant, parses, zone_or_none
from muster.worker.core.paging.rotations import localize

UNITS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(weeks=1)}
MINUTES_A_WEEK = 7 * MINUTES_A_DAY


def _problems(rotation: Rotation, zone: str | None) -> Iterator[str]:
    if rotation.problem:
        yield rotation.problem
    if rotation.type not in UNITS:
        yield f"type {rotation.type!r} is not hourly, daily or weekly"
    if rotation.length < 1:
        yield f"length {rotation.length} is not positive"
    if zone_or_none(zone) is None:
        yield f"time zone {zone!r} is not an IANA name"
    if not parses(rotation.start):
        yield f"start_date {rotation.start!r} is not a date and time"
    if rotation.end is not None and not parses(rotation.end):
        yield f"end_date {rotation.end!r} is not a date and time"
    if not any(rotation.participants):
        yield "names no user"


def rotation_problem(rotation: Rotation, zone: str | None) -> str | None:
    """Why Opsgenie's definition of ``rotation`` cannot be read, or None when it can."""
    return next(_problems(rotation, zone), None)


def turn_start(rotation: Rotation, zone: ZoneInfo, turn: int) -> datetime:
    """When turn number ``turn`` begins (UTC)."""
    start = instant(rotation.start or "", zone)
    length = UNITS[rotation.type or "daily"] * rotation.length * turn
    if rotation.type == "hourly":
        return start + length
    local = start.astimezone(zone).replace(tzinfo=None)
    return localize(local + length, zone).astimezone(UTC)


def turns(rotation: Rotation, zone: ZoneInfo, since: datetime, until: datetime) -> Iterator[Turn]:
    """Every turn overlapping [since, until), before restrictions."""
    start = instant(rotation.start or "", zone)
    end = instant(rotation.end, zone) if rotation.end else None
    period = UNITS[rotation.type or "daily"] * rotation.length
    turn = max(0, (since - start) // period - 1)
    while (starts := turn_start(rotation, zone, turn)) < until and (end is None or starts < end):
        ends = turn_start(rotation, zone, turn + 1)
        ends = min(ends, end) if end else ends
        if ends > since:
            participants = rotation.participants
            yield Turn(starts, ends, participants[turn % len(participants)])
        turn += 1


def _opening(window: Restriction) -> Opening:
    if window.weekly:
        span = (window.ends - window.starts) % MINUTES_A_WEEK or MINUTES_A_WEEK
        weekday, minute = divmod(window.starts, MINUTES_A_DAY)
        return Opening(weekday, minute, span)
    return Opening(
        None, window.starts, (window.ends - window.starts) % MINUTES_A_DAY or MINUTES_A_DAY
    )


def on_call(rotation: Rotation, zone: ZoneInfo, since: datetime, until: datetime) -> list[Turn]:
    """Who the rotation has on call over [since, until): its turns, masked by restrictions."""
    found = list(turns(rotation, zone, since, until))
    if not rotation.restrictions:
        return found
    openings = [_opening(window) for window in rotation.restrictions]
    return masked(found, open_windows(openings, zone, since, until))
