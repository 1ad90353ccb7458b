"""Heartbeat monitors' decisions: when a monitor is missed, what that declares, what a returning
heartbeat does, and what is left to settle.

A monitor's row in the database (:class:`MonitorState`) is a timer of its own: ``due_at`` is the
instant silence becomes a miss. The scan hands every row it locked, the config's monitors and
the time to :func:`review`, which says which rows to write (a monitor new to the config starts
its clock; one removed is disarmed; one whose ``every`` or ``grace`` changed is re-paced) and
which monitors are missed. A miss declares one incident whose id is derived from the monitor's
name and the due time it missed (:func:`incident_id`), so a second scanner or a redelivered
scan declares the same incident, which the declaration's idempotency makes a no-op. A heartbeat
(:func:`heard`) moves ``due_at`` on and, when the monitor was down, leaves its incident to be
resolved. What still has to happen to a monitor's incident — declared, resolved — is
:func:`pending`: the adapters do it after their commit, and every scan does again what a crash
left undone.

Pure: config, rows and instants in, plain data out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from muster.worker.core.config.durations import format_duration
from muster.worker.core.config.heartbeats import HeartbeatMonitor
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.intake.namespaces import HEARTBEAT_FINGERPRINT, HEARTBEAT_INCIDENT

WAITING, UP, DOWN, DISARMED = "waiting", "up", "down", "disarmed"
"""Never heard from since its clock started; heard within its allowance; missed, its incident
declared; no longer in the config."""

SOURCE = "heartbeat"
Pending = Literal["declare", "resolve"]


@dataclass(frozen=True, slots=True)
class MonitorState:
    """What the database holds of one monitor."""

    name: str
    state: str
    armed_at: datetime  # when its clock started: first seen in the config, or put back in it
    due_at: datetime  # silence until then is fine; a scan at or after it finds a miss
    last_seen_at: datetime | None = None
    incident_id: str | None = None  # declared by a miss, until resolved once it beat again
    missed_at: datetime | None = None  # the due time that miss was of

    @property
    def anchor(self) -> datetime:
        """What the allowance counts from: the last heartbeat, else the clock's start."""
        return self.last_seen_at or self.armed_at


@dataclass(frozen=True, slots=True)
class Missed:
    """A monitor found silent past its due time: the incident it declares."""

    name: str
    incident_id: str
    due_at: datetime
    last_seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class Review:
    """What a scan does with the rows it holds: write these states, declare these misses."""

    writes: tuple[MonitorState, ...] = ()
    missed: tuple[Missed, ...] = ()


def incident_id(name: str, due_at: datetime) -> str:
    """The incident a miss of ``name`` at ``due_at`` declares: the same for every scanner."""
    digest = hashlib.sha256(f"{name}\n{due_at.isoformat()}".encode()).hexdigest()
    return f"{HEARTBEAT_INCIDENT}{digest[:16]}"


def fingerprint(name: str) -> str:
    """The fingerprint of a monitor's incidents: one open at a time per monitor."""
    return f"{HEARTBEAT_FINGERPRINT}{name}"


def armed(name: str, monitor: HeartbeatMonitor, now: datetime) -> MonitorState:
    """A monitor whose clock starts at ``now`` (new to the config, or back in it)."""
    return MonitorState(name, WAITING, armed_at=now, due_at=now + monitor.allowance)


def review(
    monitors: Mapping[str, HeartbeatMonitor],
    rows: Mapping[str, MonitorState],
    now: datetime,
    unrowed: frozenset[str] | None = None,
) -> Review:
    """Decide on the ``rows`` a scan holds, and arm the monitors that have none.

    ``unrowed``: the configured monitors with no row at all (by default, those not in
    ``rows``); a monitor whose row another scanner holds locked is neither, and waits for its
    next scan. A monitor whose incident is still to be settled is not judged again until it is.
    """
    writes: list[MonitorState] = []
    missed: list[Missed] = []
    new = unrowed if unrowed is not None else frozenset(monitors) - frozenset(rows)
    writes += [armed(name, monitors[name], now) for name in sorted(new) if name in monitors]
    for name, row in sorted(rows.items()):
        monitor = monitors.get(name)
        if monitor is None:
            if row.state != DISARMED:
                writes.append(replace(row, state=DISARMED, incident_id=None, missed_at=None))
            continue
        if row.state == DISARMED:
            writes.append(armed(name, monitor, now))
            continue
        if row.state == DOWN or row.incident_id is not None:
            continue
        due = row.anchor + monitor.allowance
        if due <= now:
            miss = Missed(name, incident_id(name, due), due, row.last_seen_at)
            missed.append(miss)
            writes.append(
                replace(row, state=DOWN, due_at=due, incident_id=miss.incident_id, missed_at=due)
            )
        elif due != row.due_at:
            writes.append(replace(row, due_at=due))  # every or grace changed: re-paced
    return Review(tuple(writes), tuple(missed))


def heard(
    row: MonitorState | None,
    name: str,
    monitor: HeartbeatMonitor,
    received_at: datetime,
    now: datetime,
) -> MonitorState | None:
    """The monitor's state once a heartbeat received at ``received_at`` counts; None when it
    changes nothing (older than the last one counted: a redelivery, or out of order).

    A heartbeat stamped later than ``now`` (a sender's clock ahead) counts as of ``now``, so it
    cannot put the next miss off by the difference. A monitor that was down keeps its incident,
    now to be resolved (:func:`pending`).
    """
    at = min(received_at, now)
    if row is None:
        row = armed(name, monitor, now)
    if row.last_seen_at is not None and at <= row.last_seen_at:
        return None
    if row.state == DISARMED:
        row = armed(name, monitor, now)
    return replace(row, state=UP, last_seen_at=at, due_at=at + monitor.allowance)


def missed_of(row: MonitorState) -> Missed | None:
    """The miss a row's incident was declared for (None: it has no incident)."""
    if row.incident_id is None or row.missed_at is None:
        return None
    last = row.last_seen_at if row.state == DOWN else None  # since then, it beat again
    return Missed(row.name, row.incident_id, row.missed_at, last)


def pending(row: MonitorState, incident_recorded: bool) -> Pending | None:
    """What is left to do about a monitor's incident: declare it (a miss whose declaration is
    not recorded yet: interrupted, or not made), resolve it (the monitor beat again since), or
    nothing. An incident is declared before it is resolved, even when the heartbeat came back
    first: its pages may already be out, and the record shows the outage either way."""
    if row.incident_id is None or row.state == DISARMED:
        return None
    if not incident_recorded:
        return "declare"
    return None if row.state == DOWN else "resolve"


def declaration(config: RoutingConfig, miss: Missed) -> dict[str, Any]:
    """The ``muster.incident.declared`` message a miss sends, as JSON-ready data."""
    monitor = config.heartbeats[miss.name]
    service = monitor.service or config.fallback_service or miss.name
    since = (
        f"no heartbeat since {_iso(miss.last_seen_at)}"
        if miss.last_seen_at
        else "never heard from since its monitor started"
    )
    payload: dict[str, Any] = {
        "incident_id": miss.incident_id,
        "fingerprint": fingerprint(miss.name),
        "title": monitor.title or f"Heartbeat {miss.name} missed",
        "summary": (
            f"Heartbeat {miss.name}: {since}; expected every {format_duration(monitor.every)}"
            f" (grace {format_duration(monitor.grace)}), due by {_iso(miss.due_at)}."
        ),
        "impact": monitor.impact,
        "urgency": monitor.urgency,
        "services": [service],
        "source": SOURCE,
        "declared_at": _iso(miss.due_at),
        "labels": {"heartbeat": miss.name},
    }
    if monitor.runbook:
        payload["links"] = {"runbook": monitor.runbook}
    return payload


def resolution_text(name: str, last_seen_at: datetime | None) -> str:
    """The resolution note of a monitor's incident once it beat again."""
    when = f" at {_iso(last_seen_at)}" if last_seen_at else ""
    return f"Heartbeat {name} received again{when}."


def stale_processes(
    last_seen: Mapping[str, datetime], kinds: tuple[str, ...], now: datetime, within: timedelta
) -> list[str]:
    """Of ``kinds`` (worker, beat), those not seen within ``within`` of ``now``: muster's own
    outbound heartbeat is sent only when this is empty."""
    return [kind for kind in kinds if kind not in last_seen or now - last_seen[kind] > within]


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat().replace("+00:00", "Z")
