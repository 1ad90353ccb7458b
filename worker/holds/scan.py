"""The holds' part of the beat's scan, run before the timers: pause what a window with
``existing: pause`` now covers, then release what nothing holds any more (whose digests the
timers' scan then sends at once)."""

from __future__ import annotations

from muster.worker.holds.pause import pause_escalations
from muster.worker.holds.release import release_holds
from muster.worker.runtime import Runtime


def scan_holds(rt: Runtime) -> list[int]:
    """Pause, then release; returns the deliveries to queue (committed)."""
    pause_escalations(rt)
    return release_holds(rt)
