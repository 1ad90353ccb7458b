"""Heartbeat monitors compared both sides: what a miss of each would page — its severity (the
matrix's for its impact × urgency), the service it declares (its own, else the fallback, as
:func:`~muster.worker.core.decisions.heartbeats.declaration` names it), how soon silence is a
miss (``every`` and ``grace``), and who is paged, first page first, for a miss at the start of
the range. Who a miss pages later follows that severity × service's shifts, which the pages
section already compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from muster.worker.core.config.heartbeats import HeartbeatMonitor
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.core.paging.routing import Routing


@dataclass(frozen=True, slots=True)
class MissPage:
    """What a miss of one monitor declares and pages on one side."""

    severity: str
    service: str
    every: timedelta
    grace: timedelta
    paged: tuple[str, ...]  # the people a miss at the start of the range pages, in order


@dataclass(frozen=True, slots=True)
class HeartbeatChange:
    """Monitor ``name`` pages ``new`` on a miss where it paged ``old`` (None: not on that side)."""

    name: str
    old: MissPage | None
    new: MissPage | None


def heartbeat_changes(old: Routing, new: Routing, at: datetime) -> tuple[HeartbeatChange, ...]:
    """Every monitor whose miss declares or pages differently (or that one side lacks)."""
    names = [
        *new.config.heartbeats,
        *(n for n in old.config.heartbeats if n not in new.config.heartbeats),
    ]
    changes = []
    for name in names:
        was, now = _miss(old, name, at), _miss(new, name, at)
        if was != now:
            changes.append(HeartbeatChange(name, was, now))
    return tuple(changes)


def _miss(routing: Routing, name: str, at: datetime) -> MissPage | None:
    config = routing.config
    monitor: HeartbeatMonitor | None = config.heartbeats.get(name)
    if monitor is None:
        return None
    service = monitor.service or config.fallback_service or name
    severity = routing.severity(monitor.impact, monitor.urgency)
    incident = Incident(
        id="diff", title="diff", impact=monitor.impact, urgency=monitor.urgency, services=(service,)
    )
    plan = build_page_plan(routing, incident, at, severity=severity)
    paged = tuple(page.person for page in plan.pages)
    return MissPage(severity.name, service, monitor.every, monitor.grace, paged)
