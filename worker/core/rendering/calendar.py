"""Final shifts as a calendar (RFC 5545) and as payroll's CSV rows.

Complaints about other tools' feeds shaped this: events are the final shifts (overrides
applied, never the shift an override replaced), titled with the role and the rotation, free
(``TRANSP:TRANSPARENT``) so a week on call does not block the week in Outlook, a year ahead
rather than a month, with UIDs that stay the same from one export to the next as long as the
shift does (a calendar client updates an event rather than duplicating it). The CSV counts each
shift's hours within the range asked, so a month's rows sum to that month's hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from muster.worker.core.paging.duties import LONGEST, Duty
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.shifts import Shift
from muster.worker.core.rendering.oncall import held_for

PRODUCT = "-//muster//on-call shifts//EN"
UID_DOMAIN = "muster"
MONTH = timedelta(days=30.4375)  # a twelfth of an average year
MAX_MONTHS = LONGEST // MONTH  # 13: the longest range listed at once
CSV_HEADER = ("person", "name", "rotation", "held_for", "start", "end", "hours", "override")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One shift as a calendar shows it: times in UTC, bounded by the horizon where the shift
    is not."""

    uid: str
    title: str
    starts: datetime
    until: datetime
    description: str


def horizon(start: datetime, months: int) -> datetime:
    """The end of a calendar of ``months`` months from ``start``."""
    return start + months * MONTH


def shift_uid(shift: Shift) -> str:
    """A UID that names the shift by its rotation, holder and start, so an export next week
    (or the feed polled again) gives the same shift the same UID; a shift that has always been
    held (one member, no turns) is named without a start."""
    begins = "always" if shift.starts is None else f"{shift.starts:%Y%m%dT%H%M%SZ}"
    return f"{shift.rotation}/{shift.person or 'gap'}/{begins}@{UID_DOMAIN}"


def calendar_events(
    routing: Routing, duties: Iterable[Duty], start: datetime, end: datetime
) -> list[CalendarEvent]:
    """The shifts of ``duties`` as events (a gap too: nobody on call is worth seeing on a
    rotation's calendar), open ends bounded by ``[start, end)``, in time order."""
    events = []
    for duty, held, shift, name in _shown(routing, duties):
        if name is None:
            title = f"GAP: nobody on call - {held} ({duty.rotation})"
        else:
            title = f"On call: {held} ({duty.rotation}) - {name}"
        if shift.override:
            title += " [override]"
        events.append(
            CalendarEvent(
                uid=shift_uid(shift),
                title=title,
                starts=shift.starts or start,
                until=shift.until or end,
                description=f"Rotation {duty.rotation}: {held}. Final shift, overrides"
                " applied (muster).",
            )
        )
    return sorted(events, key=lambda event: (event.starts, event.uid))


def ics(events: Iterable[CalendarEvent], name: str, stamped: datetime) -> bytes:
    """The events as an RFC 5545 calendar named ``name``; ``stamped``: when it was made
    (``DTSTAMP``)."""
    # icalendar is imported by the one function that writes with it: the web process holds
    # 3 MB less until a calendar feed is first asked for (issue 19, the web's memory).
    from icalendar import Calendar, Event  # noqa: PLC0415

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for shown in events:
        event = Event()
        event.add("uid", shown.uid)
        event.add("dtstamp", stamped)
        event.add("dtstart", shown.starts)
        event.add("dtend", shown.until)
        event.add("summary", shown.title)
        event.add("description", shown.description)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    content: bytes = calendar.to_ical()
    return content


def payroll_rows(
    routing: Routing, duties: Iterable[Duty], start: datetime, end: datetime, zone: tzinfo
) -> list[tuple[str, ...]]:
    """One row a shift someone held (gaps are nobody's hours), clipped to ``[start, end)``:
    person, name, rotation, what it is held for, start and end in the config's timezone (with
    the offset), hours to two places, and whether an override held it."""
    rows = []
    for duty, held, shift, name in _shown(routing, duties):
        if shift.person is not None and name is not None:
            begins = max(start, shift.starts or start)
            ends = min(end, shift.until or end)
            row = (
                shift.person,
                name,
                duty.rotation,
                held,
                begins.astimezone(zone).isoformat(timespec="minutes"),
                ends.astimezone(zone).isoformat(timespec="minutes"),
                f"{shift.hours(start, end):.2f}",
                "yes" if shift.override else "no",
            )
            rows.append((begins, row))
    rows.sort(key=lambda dated: (dated[0], dated[1][2], dated[1][0]))
    return [tuple(_cell(value) for value in row) for _, row in rows]


def _shown(
    routing: Routing, duties: Iterable[Duty]
) -> Iterator[tuple[Duty, str, Shift, str | None]]:
    """Each shift with its duty, what the duty is held for, and the holder's name (None: a
    gap)."""
    people = routing.config.people
    for duty in duties:
        held = held_for(list(duty.roles), list(duty.services))
        for shift in duty.shifts:
            if shift.person is None:
                yield duty, held, shift, None
            else:
                name = people[shift.person].name if shift.person in people else shift.person
                yield duty, held, shift, name


def _cell(value: str) -> str:
    """A cell no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(_FORMULA) else value
