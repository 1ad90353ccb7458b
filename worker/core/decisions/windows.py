"""Maintenance windows in time: their occurrences, which are active, and when that next changes.

**Times.** A window's wall-clock times (``start``, ``end``, each occurrence of its recurrence)
are read in its zone as RFC 5545 reads a DATE-TIME with a time zone, so the window is where the
calendar invite it was planned in shows it: a time repeated by a fall-back change is its first
occurrence; a time skipped by a spring-forward change is read with the offset from before the
change (01:30 on Dublin's spring-forward day is 01:30 GMT, which the clocks call 02:30 IST).
That is Python's ``fold=0``. (A rotation's handoff at a skipped time happens at the jump instead,
:func:`muster.worker.core.paging.rotations.localize`: a handoff is a habit of the clock, a window
an entry in a calendar.)

**Durations** are real elapsed time: a 2h window across a DST change lasts two hours, whatever
the wall clock says at its end.

**Boundaries.** Each occurrence is a :class:`~.holds.Hold` of its own, so the end of one and the
start of the next are both boundaries, even when they meet. A window is followed up to ten years
ahead (:data:`~muster.worker.core.config.fields.LONGEST`); one that next occurs later has no
next boundary.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from muster.worker.core.config.fields import LONGEST
from muster.worker.core.config.maintenance import Window
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.config.recurrence import FollowedRule, place
from muster.worker.core.decisions.holds import WINDOW, Hold, next_edge

_MARGIN = timedelta(days=2)  # more than any zone's offsets differ by (Samoa skipped a day)
_FIRST_HORIZON = timedelta(days=1)
_INSTANT = timedelta(microseconds=1)


def window_zone(config: RoutingConfig, window: Window) -> ZoneInfo:
    """The zone a window's wall-clock times are in: its own, else the config's."""
    return ZoneInfo(window.timezone) if window.timezone else config.zone


def occurrences(
    name: str, window: Window, zone: ZoneInfo, since: datetime, until: datetime
) -> list[Hold]:
    """The window's occurrences that overlap ``[since, until)``, in order of their start."""
    if window.rule is not None and window.duration is not None:
        spans = _recurring(window.rule, window.duration, zone, since, until)
    elif window.end is not None:
        spans = [(place(window.start, zone), place(window.end, zone))]
    else:
        spans = []  # the model allows no such window
    holds = {
        starts: Hold(
            kind=WINDOW,
            name=name,
            reason=window.reason,
            scope=window.scope,
            starts=starts,
            ends=ends,
            existing=window.existing,
            on_end=window.on_end,
            author=window.author,
        )
        for starts, ends in spans
        if starts < until and ends > since
    }
    return [holds[starts] for starts in sorted(holds)]


def _recurring(
    compiled: tuple[FollowedRule, datetime | None],
    duration: timedelta,
    zone: ZoneInfo,
    since: datetime,
    until: datetime,
) -> list[tuple[datetime, datetime]]:
    rule, until_utc = compiled
    low = _wall(since, zone, -(_MARGIN + duration))
    high = _wall(until, zone, _MARGIN)
    spans = []
    for starts in rule.instants_between(low, high, zone):
        if until_utc is None or starts <= until_utc:
            spans.append((starts, starts + duration))
    return spans


def _wall(instant: datetime, zone: tzinfo, margin: timedelta) -> datetime:
    """``instant`` on the zone's wall clock, moved by ``margin``, kept within the calendar."""
    try:
        return instant.astimezone(zone).replace(tzinfo=None) + margin
    except OverflowError:
        return datetime.min if margin < timedelta() else datetime.max  # noqa: DTZ901 - a wall time


def windows_between(config: RoutingConfig, since: datetime, until: datetime) -> list[Hold]:
    """Every window's occurrences overlapping ``[since, until)``, by start then name."""
    found = [
        hold
        for name, window in config.maintenance.windows.items()
        for hold in occurrences(name, window, window_zone(config, window), since, until)
    ]
    return sorted(found, key=lambda hold: (hold.starts, hold.name))


def active_windows(config: RoutingConfig, at: datetime) -> list[Hold]:
    """The window occurrences active at ``at``."""
    return [hold for hold in windows_between(config, at, at + _INSTANT) if hold.active(at)]


def next_boundary(
    config: RoutingConfig, after: datetime, extra: Iterable[Hold] = ()
) -> datetime | None:
    """The first instant later than ``after`` at which a window (or one of ``extra``: the
    silences) starts or ends: what the beat's next timer arms on. None: nothing within ten
    years."""
    edges = [next_edge(extra, after)]
    for name, window in config.maintenance.windows.items():
        edges.append(window_next_boundary(name, window, window_zone(config, window), after))
    return min((edge for edge in edges if edge is not None), default=None)


def window_next_boundary(
    name: str, window: Window, zone: ZoneInfo, after: datetime
) -> datetime | None:
    """One window's first start or end later than ``after``, looked for in spans doubling
    from a day to ten years (an edge found inside the span searched is the first)."""
    horizon = _FIRST_HORIZON
    while horizon <= 2 * LONGEST:
        try:
            until = after + horizon
        except OverflowError:
            return None
        edge = next_edge(occurrences(name, window, zone, after, until), after)
        if edge is not None and edge < until:
            return edge
        horizon *= 2
    return None
