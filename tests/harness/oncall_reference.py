"""Who Grafana OnCall has on call at an instant, computed straight from a shift's definition.

A reference for the import's tests, written apart from the importer (which expands RFC 5545
recurrences with python-dateutil): here each instant is placed by calendar arithmetic in the
shift's own zone — which period it falls in, whose turn that period is (the documented
"iterate over lists of users for every time frame"), and whether a shift of that period covers
it (``by_day``, ``duration`` of wall-clock time). Higher levels win; overrides win over all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from muster.config.importers.grafana_oncall.model import Export, Schedule, Shift
from muster.worker.core.paging.rotations import localize

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _week_of(day: datetime, week_start: str) -> datetime:
    return day - timedelta(days=(day.weekday() - DAYS.index(week_start)) % 7)


def _turn(shift: Shift, period: int) -> tuple[str, ...]:
    groups = shift.rolling_users if shift.type == "rolling_users" else [shift.users]
    return tuple(groups[(period + shift.start_index) % len(groups)])


def _hourly(shift: Shift, start: datetime, zone: ZoneInfo, at: datetime) -> tuple[str, ...] | None:
    """Hours on the wall clock, as RFC 5545 counts them in a zone."""
    local = at.astimezone(zone).replace(tzinfo=None)
    length = timedelta(seconds=shift.duration or 0)
    period = (local - start) // timedelta(hours=1) // shift.interval
    for turn in (period, period - 1):
        begins = start + timedelta(hours=turn * shift.interval)
        if turn >= 0 and localize(begins, zone) <= at < localize(begins + length, zone):
            return _turn(shift, turn)
    return None


def _monthly(shift: Shift, start: datetime, local: datetime) -> tuple[str, ...] | None:
    months = (local.year - start.year) * 12 + local.month - start.month
    for period in (months, months - 1):
        year, month = start.year + (start.month - 1 + period) // 12, (start.month - 1 + period) % 12
        begins = start.replace(year=year, month=month + 1)
        ends = begins + timedelta(seconds=shift.duration or 0)
        if period >= 0 and period % shift.interval == 0 and begins <= local < ends:
            return _turn(shift, period // shift.interval)
    return None


def _period(shift: Shift, start: datetime, day: datetime) -> int | None:
    """Which turn a shift starting on ``day`` belongs to, or None if none starts that day."""
    if day < start or (shift.by_day and DAYS[day.weekday()] not in shift.by_day):
        return None
    if shift.frequency == "daily":
        weeks_or_days = (day - start).days
    elif shift.by_day:
        week_start = shift.week_start or "SU"
        weeks_or_days = (_week_of(day, week_start) - _week_of(start, week_start)).days // 7
    elif day.weekday() == start.weekday():
        weeks_or_days = (day - start).days // 7
    else:
        return None
    period, offset = divmod(weeks_or_days, shift.interval)
    return None if offset else period


def _holder(shift: Shift, zone: ZoneInfo, at: datetime) -> tuple[str, ...] | None:
    start = datetime.fromisoformat(shift.start or "")
    length = timedelta(seconds=shift.duration or 0)
    local = at.astimezone(zone).replace(tzinfo=None)
    if shift.type in ("single_event", "override"):
        inside = localize(start, zone) <= at < localize(start + length, zone)
        return tuple(shift.users) if inside else None
    if shift.frequency == "hourly":
        return _hourly(shift, start, zone, at)
    if shift.frequency == "monthly":
        return _monthly(shift, start, local)
    for back in range(length.days + 2):
        day = datetime.combine(local.date() - timedelta(days=back), start.time())
        period = _period(shift, start, day)
        if period is not None and localize(day, zone) <= at < localize(day + length, zone):
            return _turn(shift, period)
    return None


def on_call_group(export: Export, schedule: Schedule, at: datetime) -> tuple[str, ...]:
    """Every user OnCall has on call for ``schedule`` at ``at`` (aware), by user id."""
    shifts = [export.shifts[i] for i in schedule.shift_ids]
    ordered = sorted(shifts, key=lambda s: (s.type == "override", s.level), reverse=True)
    for shift in ordered:
        zone = ZoneInfo(shift.time_zone or schedule.time_zone or "UTC")
        group = _holder(shift, zone, at.astimezone(UTC))
        if group:
            return group
    return ()


def on_call(export: Export, schedule: Schedule, at: datetime) -> str | None:
    """The first user OnCall has on call for ``schedule`` at ``at`` (aware), by user id."""
    group = on_call_group(export, schedule, at)
    return group[0] if group else None
