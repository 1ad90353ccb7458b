"""When a maintenance window's occurrences are announced: each start and end to the rooms, and
a long occurrence's reminder to the window's author.

**Look-back.** An edge is announced by the first scan that sees it, if that scan runs less than
:data:`LOOK_BACK` (15 minutes) after it: the beat scans every few seconds, so this only ever
drops the edges of a beat that was down (or of a window added to the config after its start).
A beat down for a day must not tell the rooms of yesterday's windows when it comes back: an
announcement that late says nothing the room can act on, and a recurring window would flood it.

**Pairs.** A start is announced while its occurrence holds; an end only for an occurrence whose
start was announced, so every room that heard "pages held" hears "pages resume" once. An end is
what the config says at the scan, not what it said at the start: an occurrence edited to end
later ends later; one edited away or cut short to the past (the config no longer has it holding
as announced) ends early at the scan that sees it, as its holds are released at that scan.

**Reminder.** An occurrence longer than ``maintenance.remind_after`` reminds the window's
``author`` (a person of the config) once, from that long into it until its end, by the first
contact kind they have. It is due until the end, not only within the look-back: it says the
window still holds, which stays true (and at most one occurrence of a window holds at a time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.decisions.holds import Hold
from muster.worker.core.decisions.windows import occurrences, window_zone

Edge = Literal["started", "ended", "reminder"]
STARTED: Edge = "started"
ENDED: Edge = "ended"
REMINDER: Edge = "reminder"
LOOK_BACK = timedelta(minutes=15)

_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Announced:
    """An occurrence whose start the rooms were told, as the announcement recorded it."""

    name: str
    starts: datetime
    ends: datetime  # its end as last seen in the config
    reason: str
    rooms: tuple[str, ...]  # where its start went: its end goes there too


@dataclass(frozen=True, slots=True)
class Ending:
    """An announced occurrence that no longer holds: when, and whether an edit ended it."""

    occurrence: Announced
    at: datetime
    early: bool  # the config no longer has it holding as announced (edited away or cut short)


def starting(active: Iterable[Hold], now: datetime) -> list[Hold]:
    """The occurrences (of those ``active`` at ``now``) whose start is to be announced: those
    that started within the look-back."""
    return [hold for hold in active if now - LOOK_BACK < hold.starts <= now]


def reminders_due(config: RoutingConfig, active: Iterable[Hold], now: datetime) -> list[Hold]:
    """The occurrences (of those ``active`` at ``now``) longer than ``remind_after`` that have
    held that long, whose window has an author the config knows."""
    after = config.maintenance.remind_after
    return [
        hold
        for hold in active
        if hold.author in config.people
        and hold.ends - hold.starts > after
        and hold.starts + after <= now
    ]


def ending(
    config: RoutingConfig, announced: Iterable[Announced], now: datetime
) -> tuple[list[Ending], list[Announced]]:
    """Which announced occurrences have ended at ``now`` (reached within the look-back, or
    ended by an edit), and which still hold with an end the config has moved (to record)."""
    ended: list[Ending] = []
    moved: list[Announced] = []
    for occurrence in announced:
        current = _occurrence(config, occurrence.name, occurrence.starts)
        if current is not None and current.active(now):
            if current.ends != occurrence.ends:
                moved.append(replace(occurrence, ends=current.ends))
        elif current is not None and current.ends == occurrence.ends:
            if now - current.ends < LOOK_BACK:
                ended.append(Ending(occurrence, current.ends, early=False))
        else:
            ended.append(Ending(occurrence, now, early=True))
    return ended, moved


def announce_zone(config: RoutingConfig, name: str) -> ZoneInfo:
    """The zone a window's announcements give times in: its own, else (or once it is gone from
    the config) the config's."""
    window = config.maintenance.windows.get(name)
    return window_zone(config, window) if window is not None else config.zone


def _occurrence(config: RoutingConfig, name: str, starts: datetime) -> Hold | None:
    """The window's occurrence starting at ``starts`` in the config now, if it has one."""
    window = config.maintenance.windows.get(name)
    if window is None:
        return None
    zone = window_zone(config, window)
    found = occurrences(name, window, zone, starts, starts + _INSTANT)
    return next((hold for hold in found if hold.starts == starts), None)
