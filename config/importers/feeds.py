"""A source's own calendar export of final shifts (iCalendar), read as who is on call when.

Every pager this import reads offers one (OnCall's schedule export, Opsgenie's and PagerDuty's
calendar feeds): one event per person per final shift, the person in ``SUMMARY``, the times in
``DTSTART``/``DTEND``; OnCall's API also answers it as JSON (``final_shifts``), read too. It is
the source's own answer to "who was on call", so comparing it with the imported rotations
(:mod:`.shift_check`) is the proof that an import is faithful.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import icalendar

from muster.config.importers.sources import SourceError


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One person on call from ``starts`` until ``ends`` (UTC), as the feed names them."""

    starts: datetime
    ends: datetime
    who: str


@dataclass(frozen=True)
class Feed:
    """A feed's name (``X-WR-CALNAME``: the schedule's), its events, and those it repeats by
    rule (not expanded: a final-shift export lists each shift)."""

    name: str | None
    events: tuple[FeedEvent, ...]
    recurring: int = 0


def _utc(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    return None


def _final_shifts(document: Any, source: str) -> Feed:
    """OnCall's ``/schedules/ID/final_shifts`` (a year at most, where the iCal export gives six
    months): ``user_username``, ``shift_start``, ``shift_end`` per user per shift."""
    items = document.get("results") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise SourceError(f"{source}: not a final_shifts list (results of shifts)")
    events = []
    for item in items:
        if not isinstance(item, dict):
            continue
        who = str(item.get("user_username") or item.get("user_email") or "").strip()
        try:
            starts = _utc(datetime.fromisoformat(str(item.get("shift_start"))))
            ends = _utc(datetime.fromisoformat(str(item.get("shift_end"))))
        except ValueError:
            continue
        if starts and ends and ends > starts and who:
            events.append(FeedEvent(starts, ends, who))
    return Feed(name=None, events=tuple(sorted(events, key=lambda event: event.starts)))


def read_feed(text: str, source: str) -> Feed:
    """The events of an iCalendar ``text``, or of OnCall's final shifts as JSON;
    :class:`SourceError` when it is neither."""
    if text.lstrip()[:1] in ("{", "["):
        try:
            return _final_shifts(json.loads(text), source)
        except ValueError as failure:
            raise SourceError(f"{source}: not JSON ({failure})") from None
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as failure:
        raise SourceError(f"{source}: not an iCalendar feed ({failure})") from None
    events, recurring = [], 0
    for component in calendar.walk("VEVENT"):
        if component.get("RRULE") is not None:
            recurring += 1
            continue
        starts = _utc(component.decoded("DTSTART", None))
        ends = _utc(component.decoded("DTEND", None))
        who = str(component.get("SUMMARY") or "").strip()
        if starts is None or ends is None or ends <= starts or not who:
            continue
        events.append(FeedEvent(starts, ends, who))
    name = calendar.get("X-WR-CALNAME")
    return Feed(
        name=str(name) if name else None,
        events=tuple(sorted(events, key=lambda event: event.starts)),
        recurring=recurring,
    )
