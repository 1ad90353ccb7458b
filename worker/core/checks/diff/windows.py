"""Maintenance windows an edit adds, removes or moves within the horizon, and the pages they
newly hold or release: for each severity level × service, the stretches in which one side's
windows hold a declaration (it pages nobody) and the other's do not, cut at every occurrence edge
of either side (:func:`~muster.worker.core.decisions.windows.windows_between`) and judged by
:func:`~muster.worker.core.decisions.holds.holding`, as the worker judges an incident.

A declaration here carries no alert labels: a window scoped by labels alone holds only alerts,
and shows in the occurrences, not in the held pages. A new hold of a service's most severe level
for :data:`LONG_HOLD` or more is a risk: every such incident of the service pages nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from muster.worker.core.config.durations import format_duration
from muster.worker.core.config.issues import ConfigIssue, warning
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.decisions.holds import Hold, Subject, holding
from muster.worker.core.decisions.windows import windows_between

LONG_HOLD = timedelta(hours=4)
"""A new hold of a service's top severity this long is a risk line: longer than a change window
usually lasts, long enough for an outage nobody hears of."""


@dataclass(frozen=True, slots=True)
class OccurrenceChange:
    """Window ``name`` occurs ``starts`` until ``until`` on the new side only (``added``) or on
    the old side only."""

    name: str
    starts: datetime
    until: datetime
    added: bool
    reason: str


@dataclass(frozen=True, slots=True)
class HoldChange:
    """From ``starts`` until ``until``, a ``severity`` declaration of ``service`` is held (pages
    nobody) on the new side and not the old (``held``), or the other way round; ``windows``: the
    side that holds it's windows."""

    severity: str
    service: str
    starts: datetime
    until: datetime
    held: bool
    windows: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WindowChanges:
    """The occurrences that differ, and the pages held or released."""

    occurrences: tuple[OccurrenceChange, ...] = ()
    holds: tuple[HoldChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.occurrences or self.holds)


def window_changes(
    old: RoutingConfig, new: RoutingConfig, start: datetime, end: datetime
) -> WindowChanges:
    """Every occurrence and hold that differs over ``[start, end)``."""
    if old.maintenance == new.maintenance and old.severity.levels == new.severity.levels:
        return WindowChanges()
    was, now = windows_between(old, start, end), windows_between(new, start, end)
    return WindowChanges(_occurrences(was, now), _holds(old, new, was, now, start, end))


def _occurrences(was: list[Hold], now: list[Hold]) -> tuple[OccurrenceChange, ...]:
    before = {(hold.name, hold.starts, hold.ends): hold for hold in was}
    after = {(hold.name, hold.starts, hold.ends): hold for hold in now}
    changes = [
        OccurrenceChange(hold.name, hold.starts, hold.ends, key in after, hold.reason)
        for side, other in ((before, after), (after, before))
        for key, hold in side.items()
        if key not in other
    ]
    return tuple(sorted(changes, key=lambda c: (c.name, c.starts, c.added)))


def _holds(
    old: RoutingConfig,
    new: RoutingConfig,
    was: list[Hold],
    now: list[Hold],
    start: datetime,
    end: datetime,
) -> tuple[HoldChange, ...]:
    edges = {edge for hold in (*was, *now) for edge in (hold.starts, hold.ends)}
    cuts = sorted({start} | {edge for edge in edges if start < edge < end})
    levels = [name for name in new.severity.levels if name in old.severity.levels]
    services = [*new.services, *(name for name in old.services if name not in new.services)]
    changes: list[HoldChange] = []
    for level in levels:
        for service in services:
            subject = Subject((service,), level)
            for at, until in zip(cuts, [*cuts[1:], end], strict=True):
                before = [hold.name for hold in holding(was, subject, at)]
                after = [hold.name for hold in holding(now, subject, at)]
                if bool(before) == bool(after):
                    continue
                change = HoldChange(level, service, at, until, bool(after), tuple(after or before))
                last = changes[-1] if changes else None
                if last is not None and last == replace(change, starts=last.starts, until=at):
                    changes[-1] = replace(last, until=until)
                else:
                    changes.append(change)
    return tuple(changes)


def hold_risks(changes: WindowChanges, new: RoutingConfig) -> list[ConfigIssue]:
    """A warning for each new hold of a service's most severe level lasting :data:`LONG_HOLD`
    or more."""
    top = new.level_order[0]
    return [
        warning(
            ("maintenance", "windows", change.windows[0]),
            f"holds every {top} of {change.service} for"
            f" {format_duration(change.until - change.starts)} from {change.starts.isoformat()}:"
            " nobody is paged for them",
        )
        for change in changes.holds
        if change.held and change.severity == top and change.until - change.starts >= LONG_HOLD
    ]
