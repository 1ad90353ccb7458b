"""Maintenance windows as ``muster config check`` lists them: what is planned for the coming
week, in each window's own zone, so a mistyped date shows before it silences anyone."""

from __future__ import annotations

from datetime import datetime, timedelta

from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.decisions.windows import window_zone, windows_between

AHEAD = timedelta(days=7)
LISTED = 20  # occurrences listed; the rest counted (a window every hour would fill a screen)


def upcoming_windows(config: RoutingConfig, now: datetime, ahead: timedelta = AHEAD) -> list[str]:
    """One line per window occurrence active at some time in ``[now, now + ahead)`` (the
    first :data:`LISTED`, then how many more)."""
    lines = []
    holds = windows_between(config, now, now + ahead)
    for hold in holds[:LISTED]:
        window = config.maintenance.windows[hold.name]
        zone = window_zone(config, window)
        starts, ends = hold.starts.astimezone(zone), hold.ends.astimezone(zone)
        until = ends.strftime("%H:%M" if ends.date() == starts.date() else "%a %Y-%m-%d %H:%M")
        now_note = " (active now)" if hold.active(now) else ""
        lines.append(
            f"  window {hold.name}: {starts:%a %Y-%m-%d %H:%M} to {until} {zone.key}{now_note}:"
            f" {hold.reason}"
        )
    if len(holds) > LISTED:
        lines.append(f"  and {len(holds) - LISTED} more window occurrences in the same days")
    return lines
