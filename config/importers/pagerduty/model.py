"""PagerDuty's resources as plain data, as its Terraform provider spells them.

Ids are the resource's address in ``.tf`` files, or its real id in state; ``notes`` holds what
the reader could not take literally, for the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from muster.config.importers.report import Skipped


@dataclass
class User:
    """Someone PagerDuty pages: a name, an email, and contact methods."""

    id: str
    name: str
    email: str | None = None
    addresses: dict[str, str] = field(default_factory=dict)  # muster contact kind → address
    unused: list[str] = field(default_factory=list)  # contact methods muster does not page by


@dataclass(frozen=True)
class Restriction:
    """When a layer is on call: from ``minute`` after midnight, every day (``weekday`` None)
    or on ``weekday`` (0 Monday), for ``seconds``."""

    weekday: int | None
    minute: int
    seconds: int


@dataclass
class Layer:
    """A schedule layer: its users take turns of ``turn_seconds`` from ``virtual_start``."""

    name: str
    start: str | None
    virtual_start: str | None
    turn_seconds: int | None
    users: list[str] = field(default_factory=list)
    end: str | None = None
    restrictions: list[Restriction] = field(default_factory=list)
    problem: str | None = None


@dataclass
class Schedule:
    """A schedule: its layers, the last on top."""

    id: str
    name: str
    time_zone: str | None = None
    layers: list[Layer] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Rule:
    """One rule of an escalation policy: its targets, then a wait before the next rule."""

    delay: int  # minutes
    targets: list[tuple[str, str]] = field(default_factory=list)  # (type, id)


@dataclass
class Policy:
    """An escalation policy: its rules, and how many times it loops."""

    id: str
    name: str
    rules: list[Rule] = field(default_factory=list)
    loops: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Service:
    """A service: the policy it escalates through, and settings muster may not keep."""

    id: str
    name: str
    policy: str | None
    acknowledgement_timeout: int | None = None  # seconds
    auto_resolve_timeout: int | None = None  # seconds


@dataclass
class Export:
    """Everything read from a team's PagerDuty files."""

    users: dict[str, User] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
