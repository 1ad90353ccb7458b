"""Grafana OnCall's resources as plain data, whichever files they were read from.

Terraform and the REST API v1 name the same fields alike (``rolling_users``, ``by_day``,
``persons_to_notify``…), so both readers fill these and one translation serves both. Ids are
the API's ids, or in ``.tf`` files the resource's address; ``notes`` holds what the reader could
not take literally, for the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from muster.config.importers.report import Skipped

__all__ = [
    "Chain",
    "Export",
    "Integration",
    "Policy",
    "Route",
    "Schedule",
    "Shift",
    "Skipped",
    "User",
]


@dataclass
class User:
    """Someone OnCall pages: its username, and an email where the source has one."""

    id: str
    username: str
    email: str | None = None
    name: str | None = None


@dataclass
class Shift:
    """An on-call shift (a rotation layer, a one-off event or an override) of a schedule."""

    id: str
    name: str
    type: str  # rolling_users, recurrent_event, single_event, override
    start: str | None
    duration: int | None  # seconds
    level: int = 0
    frequency: str | None = None  # hourly, daily, weekly, monthly
    interval: int = 1
    by_day: list[str] = field(default_factory=list)
    by_month: list[int] = field(default_factory=list)
    by_monthday: list[int] = field(default_factory=list)
    week_start: str | None = None
    until: str | None = None
    time_zone: str | None = None
    users: list[str] = field(default_factory=list)
    rolling_users: list[list[str]] = field(default_factory=list)
    start_index: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Schedule:
    """A schedule: its shifts, or an iCal feed muster cannot read."""

    id: str
    name: str
    type: str  # calendar, web, ical
    time_zone: str | None = None
    shift_ids: list[str] = field(default_factory=list)
    ical_urls: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Policy:
    """One step of an escalation chain."""

    id: str
    chain_id: str
    position: int
    type: str
    duration: int | None = None  # seconds, for wait
    persons: list[str] = field(default_factory=list)
    schedule_id: str | None = None
    important: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Chain:
    """An escalation chain: its steps, in order."""

    id: str
    name: str
    steps: list[Policy] = field(default_factory=list)


@dataclass
class Route:
    """A route of an integration: which chain its matching alerts escalate through."""

    id: str
    integration_id: str
    chain_id: str | None
    regex: str | None
    position: int = 0
    routing_type: str = "regex"
    default: bool = False


@dataclass
class Integration:
    """An integration (an alert source) and its routes, the default one last."""

    id: str
    name: str
    type: str
    routes: list[Route] = field(default_factory=list)


@dataclass
class Export:
    """Everything read from a team's OnCall files."""

    users: dict[str, User] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    shifts: dict[str, Shift] = field(default_factory=dict)
    chains: dict[str, Chain] = field(default_factory=dict)
    integrations: dict[str, Integration] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
