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


def _holder(shift: Shift, zone: ZoneInfo, at: datetime) -> tuple[str, ...] | None:
    start = datetime.fromisoformat(shift.start or "")
    length = timedelta(seconds=shift.duration or 0)
    local = at.astimezone(zone).replace(tzinfo=None)
    groups = shift.rolling_users if shift.type == "rolling_users" else [shift.users]
    if shift.type in ("single_event", "override"):
        begins, ends = localize(start, zone), localize(start + length, zone)
        return tuple(groups[0]) if begins <= at < ends else None
    span = length.days + 2
    for back in range(span):
        day = datetime.combine(local.date() - timedelta(days=back), start.time())
        if day < start:
            continue
        if shift.by_day and DAYS[day.weekday()] not in shift.by_day:
            continue
        if shift.frequency == "daily":
            period, offset = divmod((day - start).days, shift.interval)
            if offset:
                continue
        else:  # weekly
            if shift.by_day:
                weeks = (
                    _week_of(day, shift.week_start or "SU")
                    - _week_of(start, shift.week_start or "SU")
                ).days // 7
            else:
                if day.weekday() != start.weekday():
                    continue
                weeks = (day - start).days // 7
            period, offset = divmod(weeks, shift.interval)
            if offset:
                continue
        if localize(day, zone) <= at < localize(day + length, zone):
            return tuple(groups[(period + shift.start_index) % len(groups)])
    return None


def on_call(export: Export, schedule: Schedule, at: datetime) -> str | None:
    """The first user OnCall has on call for ``schedule`` at ``at`` (aware), by user id."""
    shifts = [export.shifts[i] for i in schedule.shift_ids]
    ordered = sorted(shifts, key=lambda s: (s.type == "override", s.level), reverse=True)
    for shift in ordered:
        zone = ZoneInfo(shift.time_zone or schedule.time_zone or "UTC")
        group = _holder(shift, zone, at.astimezone(UTC))
        if group:
            return group[0]
    return None
