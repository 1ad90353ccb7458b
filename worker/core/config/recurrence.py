"""Recurring maintenance: an RFC 5545 RRULE, as calendars write it, read by python-dateutil.

RRULE because the maintenance is planned in calendars, which speak it: the invite and the window
can carry the same line. A subset of it, refused clearly otherwise: ``FREQ`` of ``DAILY``,
``WEEKLY``, ``MONTHLY`` or ``YEARLY`` (several times a day is ``DAILY;BYHOUR=0,6,12,18``; a
window recurring by the minute is no window), ``INTERVAL``, ``COUNT`` or ``UNTIL``, ``BYMONTH``,
``BYMONTHDAY``, ``BYDAY``, ``BYHOUR``, ``BYMINUTE``, ``BYSETPOS`` and ``WKST``. The first
occurrence and the time of day come from the window's ``start`` (RFC 5545's DTSTART).

``UNTIL`` ending in ``Z`` is a UTC instant, as RFC 5545 asks of a rule with a time zone; without
it, a wall-clock time in the window's zone.

dateutil looks for a rule's next occurrence up to the year 9999, so a rule that never occurs
(``BYMONTH=2;BYMONTHDAY=30``) would hold every question about it for seconds. A recurrence here
is followed for :data:`FOLLOWED_YEARS` calendar years from its start, no further: every question
is answered in bounded time, and a rule with no occurrence in that span never occurs.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from threading import Lock
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from pydantic import AfterValidator, StringConstraints

FOLLOWED_YEARS = 100
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
PARTS = (
    "FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYHOUR", "BYMINUTE",
    "BYSETPOS", "WKST",
)  # fmt: skip
_UNTIL = re.compile(r"\d{8}(T\d{6}Z?)?")
_ORDINAL_DAY = re.compile(r"[+-]?\d")
_INTEGER = re.compile(r"[+-]?\d{1,6}")
_NUMBERS = (("INTERVAL", 1, 1000), ("COUNT", 1, 100_000), ("BYMONTH", 1, 12), ("BYMONTHDAY", 1, 31))
_POSITIVE = ("INTERVAL", "COUNT", "BYMONTH")
_SOME_DAY = datetime(2000, 1, 1)  # noqa: DTZ001 - a wall-clock DTSTART, only to check the syntax


def _parts(text: str) -> dict[str, str]:
    body = text.strip().removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for part in body.split(";"):
        key, equals, value = part.partition("=")
        key = key.strip().upper()
        if not equals or not value.strip():
            raise ValueError(f"{part!r} is not KEY=VALUE: write e.g. FREQ=WEEKLY;BYDAY=SA")
        if key not in PARTS:
            known = ", ".join(PARTS)
            raise ValueError(f"{key!r} is not a rule part muster reads (it reads {known})")
        if key in parts:
            raise ValueError(f"{key} is given twice")
        parts[key] = value.strip().upper()
    return parts


def _check(text: str) -> str:
    parts = _parts(text)
    freq = parts.get("FREQ")
    if freq not in FREQUENCIES:
        raise ValueError(f"FREQ must be one of {', '.join(FREQUENCIES)}, not {freq or 'missing'}")
    for key, low, high in _NUMBERS:
        for number in parts.get(key, "").split(",") if key in parts else ():
            if not _INTEGER.fullmatch(number) or not low <= abs(int(number)) <= high:
                raise ValueError(f"{key}={parts[key]}: each must be a whole number {low} to {high}")
            if int(number) < 0 and key in _POSITIVE:
                raise ValueError(f"{key}={parts[key]} must be positive")
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValueError("COUNT and UNTIL both end a rule: give one (RFC 5545)")
    if "UNTIL" in parts and not _UNTIL.fullmatch(parts["UNTIL"]):
        raise ValueError(
            f"UNTIL={parts['UNTIL']} is not YYYYMMDD, YYYYMMDDTHHMMSS (the window's zone) or"
            " YYYYMMDDTHHMMSSZ (UTC)"
        )
    if freq not in ("MONTHLY", "YEARLY") and any(
        _ORDINAL_DAY.match(day) for day in parts.get("BYDAY", "").split(",")
    ):
        raise ValueError("BYDAY with a number (1SU, -1FR) needs FREQ=MONTHLY or YEARLY")
    try:
        compile_rule(text, _SOME_DAY)
    except (ValueError, TypeError, OverflowError) as problem:
        raise ValueError(f"{text!r} is not a recurrence rule: {problem}") from None
    return text


Recurrence = Annotated[str, StringConstraints(min_length=6, max_length=500), AfterValidator(_check)]
"""A recurrence as the config holds it: the RRULE text, checked."""


class _Exhausted(Exception):
    """The rule was followed for its whole span."""


class FollowedRule(rrule):
    """dateutil's rule, followed for :data:`FOLLOWED_YEARS` calendar years and no further, its
    occurrences kept as they are found so each question is a bisection.

    dateutil reads ``_byweekno`` once for each calendar year its search enters (in
    ``_iterinfo.rebuild``); counting those reads bounds the search however seldom, or never,
    the rule occurs. One search runs per rule (:meth:`_extend`, under a lock), so the count is
    that search's; dateutil's own iteration is not used.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._years_entered: int | None = None
        super().__init__(*args, **kwargs)
        self._walls: list[datetime] = []
        self._placed: dict[str, dict[int, datetime]] = {}  # zone → a wall's index → its instant
        self._search: Iterator[datetime] | None = None
        self._followed = False
        self._lock = Lock()

    @property
    def _byweekno(self) -> Any:
        if self._years_entered is not None:
            self._years_entered += 1
            if self._years_entered > FOLLOWED_YEARS + 1:
                raise _Exhausted
        return self._weeknos

    @_byweekno.setter
    def _byweekno(self, value: Any) -> None:
        self._weeknos = value

    def _followed_search(self) -> Iterator[datetime]:
        self._years_entered = 0
        try:
            yield from super()._iter()  # type: ignore[misc]
        except _Exhausted:
            return

    def _extend(self, enough: Callable[[list[datetime]], bool]) -> list[datetime]:
        with self._lock:
            if self._search is None:
                self._search = self._followed_search()
            while not self._followed and not enough(self._walls):
                found = next(self._search, None)
                if found is None:
                    self._followed = True
                else:
                    self._walls.append(found)
            return self._walls

    def instants_between(self, low: datetime, high: datetime, zone: ZoneInfo) -> list[datetime]:
        """The instants (UTC) of the occurrences whose wall-clock times are in ``[low, high]``,
        each placed in ``zone`` once and kept."""
        walls = self._extend(lambda walls: bool(walls) and walls[-1] > high)
        first, last = bisect_left(walls, low), bisect_right(walls, high)
        with self._lock:
            placed = self._placed.setdefault(zone.key, {})
            for index in range(first, last):
                if index not in placed:
                    placed[index] = place(walls[index], zone)
            return [placed[index] for index in range(first, last)]

    def first_walls(self, count: int) -> list[datetime]:
        """The first ``count`` wall-clock occurrences (fewer if the rule has fewer)."""
        return self._extend(lambda walls: len(walls) >= count)[:count]


def place(wall: datetime, zone: tzinfo) -> datetime:
    """A window's time as a UTC instant: aware times as they say, wall-clock times in ``zone``
    as RFC 5545 reads them (the first of a repeated time; a skipped time with the offset from
    before the change: Python's ``fold=0``)."""
    if wall.tzinfo is None:
        wall = wall.replace(tzinfo=zone, fold=0)
    return wall.astimezone(UTC)


def compile_rule(text: str, start: datetime) -> tuple[FollowedRule, datetime | None]:
    """The rule from the wall-clock ``start`` (naive), and its UTC ``UNTIL`` when it has one
    (compared with each occurrence's instant, once the zone places it)."""
    parts = _parts(text)
    until_utc = None
    if parts.get("UNTIL", "").endswith("Z"):
        until_utc = datetime.strptime(parts.pop("UNTIL"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    body = ";".join(f"{key}={value}" for key, value in parts.items())
    plain = rrulestr(body, dtstart=start, cache=False)
    if not isinstance(plain, rrule):
        raise ValueError("one RRULE is expected")
    original = dict(plain._original_rule)  # type: ignore[attr-defined]
    followed = FollowedRule(
        plain._freq,  # type: ignore[attr-defined]
        dtstart=start,
        interval=plain._interval,  # type: ignore[attr-defined]
        wkst=plain._wkst,  # type: ignore[attr-defined]
        count=plain._count,  # type: ignore[attr-defined]
        until=plain._until,  # type: ignore[attr-defined]
        cache=False,
        **original,
    )
    return followed, until_utc
