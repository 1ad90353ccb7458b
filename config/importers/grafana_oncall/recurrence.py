"""OnCall's shifts as it expands them: RFC 5545 recurrences, one per user group.

Group ``i`` of a rolling shift starts ``i`` periods after the shift and recurs every ``interval
× groups`` periods (masked by ``by_day``, weeks counted from ``week_start``); each occurrence
lasts ``duration`` of wall-clock time in the shift's zone, so a handoff keeps its local time
across daylight-saving changes. The recurrences are python-dateutil's; :func:`shift_problem`
says why a definition cannot be read, before anything is expanded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, HOURLY, MONTHLY, WEEKLY, rrule, weekdays

from muster.config.importers.grafana_oncall.model import Schedule, Shift
from muster.config.importers.zones import zone_or_none
from muster.worker.core.paging.rotations import localize

FREQUENCIES: dict[str, Literal[0, 1, 2, 3, 4, 5, 6]] = {
    "hourly": HOURLY,
    "daily": DAILY,
    "weekly": WEEKLY,
    "monthly": MONTHLY,
}
_STEP: dict[str, Callable[[int], relativedelta]] = {
    "hourly": lambda n: relativedelta(hours=n),
    "daily": lambda n: relativedelta(days=n),
    "weekly": lambda n: relativedelta(weeks=n),
    "monthly": lambda n: relativedelta(months=n),
}
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DEFAULT_WEEK_START = "SU"  # the API's and the provider's documented default


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One shift occurrence: when (UTC), and who is on call in OnCall (a group)."""

    starts: datetime
    ends: datetime
    users: tuple[str, ...]


def _parses(text: str | None) -> bool:
    try:
        naive(text or "", ZoneInfo("UTC"))
    except ValueError:
        return False
    return True


def _problems(shift: Shift, schedule: Schedule) -> Iterator[str]:
    if shift.type not in ("rolling_users", "recurrent_event", "single_event", "override"):
        yield f"type {shift.type!r} is not a shift type OnCall documents"
    zone = shift.time_zone or schedule.time_zone
    if zone_or_none(zone) is None:
        yield f"time zone {zone!r} is not an IANA name"
    if not _parses(shift.start):
        yield f"start {shift.start!r} is not a date and time"
    if shift.until is not None and not _parses(shift.until):
        yield f"until {shift.until!r} is not a date and time"
    if not shift.duration or shift.duration <= 0:
        yield "has no positive duration"
    if shift.type in ("rolling_users", "recurrent_event") and shift.frequency not in FREQUENCIES:
        yield f"frequency {shift.frequency!r} is not hourly, daily, weekly or monthly"
    if shift.interval < 1:
        yield f"interval {shift.interval} is not positive"
    days = [*shift.by_day, *([shift.week_start] if shift.week_start else [])]
    if any(day not in ICAL_DAYS for day in days):
        yield f"by_day/week_start {days} are not all iCal days (MO…SU)"
    if not groups_of(shift):
        yield "names no user"


def shift_problem(shift: Shift, schedule: Schedule) -> str | None:
    """Why OnCall's definition of ``shift`` cannot be read, or None when it can."""
    return next(_problems(shift, schedule), None)


def naive(text: str, zone: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(zone).replace(tzinfo=None) if moment.tzinfo else moment


def groups_of(shift: Shift) -> list[list[str]]:
    """The user groups a shift takes turns between (one group for a non-rolling shift)."""
    if shift.type == "rolling_users":
        return [group for group in shift.rolling_users if group]
    return [shift.users] if shift.users else []


def _group_start(
    shift: Shift, start: datetime, index: int, step: Callable[[int], relativedelta]
) -> datetime:
    """Where group ``index``'s recurrence starts. A weekly shift masked by ``by_day`` counts
    whole weeks from ``week_start``: a later group's turn is its whole week, including the days
    of that week before the moment ``index`` periods after the shift's start (a shift starting on
    a Tuesday masked to Mondays gives the third group the Monday of its week). The first group
    starts at the shift's start: nothing before it is on call."""
    if index == 0 or shift.frequency != "weekly" or not shift.by_day:
        return start + step(shift.interval * index)
    first_day = ICAL_DAYS.index(shift.week_start or DEFAULT_WEEK_START)
    week = start - timedelta(days=(start.weekday() - first_day) % 7)
    return week + step(shift.interval * index)


def occurrences(shift: Shift, zone: ZoneInfo, since: datetime, until: datetime) -> list[Occurrence]:
    """Every occurrence of ``shift`` overlapping [since, until), as OnCall computes them."""
    if shift.start is None or not shift.duration or shift.duration <= 0:
        return []
    start = naive(shift.start, zone)
    length = timedelta(seconds=shift.duration)
    groups = groups_of(shift)
    window = (
        since.astimezone(zone).replace(tzinfo=None) - length - timedelta(days=1),
        until.astimezone(zone).replace(tzinfo=None) + timedelta(days=1),
    )
    starts: list[tuple[datetime, int]] = []
    if shift.frequency not in FREQUENCIES or shift.type in ("single_event", "override"):
        starts = [(start, 0)]
    else:
        end = naive(shift.until, zone) if shift.until else None
        count = len(groups) if shift.type == "rolling_users" else 1
        step = _STEP[shift.frequency]
        for index in range(count):
            rule = rrule(
                FREQUENCIES[shift.frequency],
                interval=shift.interval * count,
                dtstart=_group_start(shift, start, index, step),
                until=end,
                byweekday=[weekdays[ICAL_DAYS.index(day)] for day in shift.by_day] or None,
                bymonth=shift.by_month or None,
                bymonthday=shift.by_monthday or None,
                wkst=ICAL_DAYS.index(shift.week_start or DEFAULT_WEEK_START),
            )
            starts += [(moment, index) for moment in rule.between(*window, inc=True)]
    found = []
    for moment, index in starts:
        group = groups[(index + shift.start_index) % len(groups)] if groups else []
        begins = localize(moment, zone).astimezone(UTC)
        ends = localize(moment + length, zone).astimezone(UTC)
        if ends > since and begins < until:
            found.append(Occurrence(begins, ends, tuple(group)))
    return sorted(found, key=lambda occurrence: occurrence.starts)
