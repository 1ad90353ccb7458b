"""An entry of the overrides file as the ``override`` commands read and show it: its times as
aware UTC (a wall time in the file is in the config's timezone) and its one-line listing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muster.config.loader import LoadedConfig
from muster.worker.core.paging.rotations import as_utc


def until_of(entry: dict[str, Any], loaded: LoadedConfig) -> datetime:
    """When the entry's cover ends (aware UTC)."""
    return instant(entry.get("until"), loaded)


def instant(value: object, loaded: LoadedConfig) -> datetime:
    """A time of the file (YAML may have parsed it already) as aware UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return as_utc(moment, loaded.routing.config.zone)


def row(entry: dict[str, Any], loaded: LoadedConfig) -> str:
    """The entry as ``override list`` shows it, in the config's timezone."""
    zone = loaded.routing.config.zone
    starts = instant(entry.get("from"), loaded).astimezone(zone)
    until = until_of(entry, loaded).astimezone(zone)
    why = f"  {entry['reason']}" if entry.get("reason") else ""
    by = f" (by {entry['author']})" if entry.get("author") else ""
    return (
        f"{entry.get('id')}  {entry.get('rotation')}: {entry.get('person')}"
        f"  from {starts:%a %Y-%m-%d %H:%M} until {until:%a %Y-%m-%d %H:%M}{why}{by}"
    )
