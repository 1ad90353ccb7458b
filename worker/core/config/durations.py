"""Durations (``5m``, ``1h30m``, ``2w``) and rotation handoffs (``mon 09:00``) as ops write them.

Config files speak in short human units; the core works in :class:`datetime.timedelta` and
wall-clock times. Parsing lives here so every field that takes a duration accepts the same
spelling and rejects the same mistakes with the same message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta

_UNITS = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
_DURATION = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HANDOFF = re.compile(r"(?:(?P<day>[a-z]+)\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})")


def parse_duration(text: str) -> timedelta:
    """Read a positive duration like ``90s``, ``5m``, ``1h30m``, ``1d`` or ``2w``.

    Units must appear largest first and each at most once, so ``5m`` can never be misread as five
    months or ``1m1h`` silently accepted.
    """
    spelled = text.strip().lower()
    match = _DURATION.fullmatch(spelled)
    if not spelled or match is None:
        raise ValueError(f"{text!r} is not a duration: use a number and a unit, e.g. 5m, 1h30m, 2w")
    total = timedelta()
    try:
        for amount, unit in zip(match.groups(), "wdhms", strict=True):
            if amount is not None:
                total += int(amount) * _UNITS[unit]
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None
    if total <= timedelta():
        raise ValueError(f"{text!r} is not a positive duration")
    return total


def format_duration(value: timedelta) -> str:
    """Spell a duration back in the config's own units (``timedelta(minutes=90)`` → ``1h30m``)."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return sign + "".join(parts)


@dataclass(frozen=True, slots=True)
class Handoff:
    """When a rotation hands over: a wall-clock time, and for weekly rotations a weekday."""

    at: time
    weekday: int | None = None  # Monday is 0, as in datetime.weekday()

    def __str__(self) -> str:
        clock = self.at.strftime("%H:%M")
        return clock if self.weekday is None else f"{WEEKDAYS[self.weekday]} {clock}"


def parse_handoff(text: str) -> Handoff:
    """Read ``09:00`` or ``mon 09:00`` (weekday names may be spelled out: ``monday 09:00``)."""
    match = _HANDOFF.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError(f"{text!r} is not a handoff: use 'HH:MM' or 'mon HH:MM'")
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a valid wall-clock time")
    weekday = None
    if match["day"] is not None:
        day = match["day"]
        candidates = [
            i for i, name in enumerate(_WEEKDAY_NAMES) if len(day) >= 3 and name.startswith(day)
        ]
        if len(candidates) != 1:
            raise ValueError(f"{text!r} names no weekday: use mon, tue, wed, thu, fri, sat or sun")
        weekday = candidates[0]
    return Handoff(at=time(hour, minute), weekday=weekday)
