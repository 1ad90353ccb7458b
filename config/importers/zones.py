"""The config's time zone, and times spelled in it, for every source alike."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from muster.worker.core.paging.rotations import localize


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The IANA zone ``name`` (UTC when missing), or None when it is not one."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: too long for a file name
        return None


def most_used_zone(names: Iterable[str | None]) -> str:
    """The config's timezone: the valid IANA zone most of the source's schedules use."""
    counts = Counter(name for name in names if name)
    for name, _ in counts.most_common():
        if zone_or_none(name) is not None:
            return name
    return "UTC"


def steady(zone: ZoneInfo, year: int) -> bool:
    """Whether ``zone`` keeps one UTC offset all year (no daylight saving)."""
    offsets = {datetime(year, month, 1, tzinfo=zone).utcoffset() for month in range(1, 13)}
    return len(offsets) == 1


def spelled(moment: datetime, zone: ZoneInfo) -> str:
    """An override's ``from``/``until`` as the config writes it: local time with its offset."""
    return moment.astimezone(zone).isoformat(timespec="minutes")


def instant(text: str, zone: ZoneInfo) -> datetime:
    """A source's date and time (``2026-03-02T09:00:00Z``, with an offset, or local to
    ``zone``) as UTC; ValueError when it is none."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(UTC) if parsed.tzinfo else localize(parsed, zone).astimezone(UTC)


def parses(text: str | None) -> bool:
    """Whether ``text`` is a date and time :func:`instant` reads."""
    try:
        instant(text or "", ZoneInfo("UTC"))
    except ValueError:
        return False
    return True
