"""Opsgenie's resources as plain data, whichever files they were read from.

The Terraform provider spells fields in snake_case and the REST API v2 in camelCase; the reader
turns the API's keys into the provider's, so one set of readers fills these. Ids are the API's
ids, or in ``.tf`` files the resource's address; ``notes`` holds what the reader could not take
literally, for the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from muster.config.importers.report import Skipped

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MINUTES_A_DAY = 24 * 60


@dataclass
class User:
    """Someone Opsgenie pages: its username (an email address) and its contact methods."""

    id: str
    username: str
    name: str | None = None
    addresses: dict[str, str] = field(default_factory=dict)  # muster contact kind → address
    unused: list[str] = field(default_factory=list)  # contact methods muster does not page by


@dataclass(frozen=True)
class Restriction:
    """One window of a rotation's ``time_restriction``, in minutes: of the day for
    ``time-of-day`` (days None), of the week from Monday 00:00 otherwise."""

    starts: int
    ends: int
    weekly: bool


@dataclass
class Rotation:
    """A rotation of a schedule: participants take ``length`` hours, days or weeks in turn."""

    id: str
    name: str
    schedule_id: str
    type: str | None  # hourly, daily, weekly
    length: int
    start: str | None
    end: str | None = None
    participants: list[str | None] = field(default_factory=list)  # user ids; None: no user
    foreign: list[str] = field(default_factory=list)  # team/escalation turns (None above)
    restrictions: list[Restriction] = field(default_factory=list)
    order: int = 0
    problem: str | None = None  # what the reader found unreadable
    notes: list[str] = field(default_factory=list)


@dataclass
class Override:
    """Someone on call instead, for a schedule (or some of its rotations)."""

    schedule_id: str
    user: str | None
    start: str | None
    end: str | None
    rotations: list[str] = field(default_factory=list)
    alias: str = ""


@dataclass
class Schedule:
    """A schedule: its rotations (all on call at once) and overrides, in its time zone."""

    id: str
    name: str
    timezone: str | None = None
    enabled: bool = True
    rotations: list[Rotation] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Rule:
    """One rule of an escalation: after ``delay`` minutes, notify a recipient."""

    condition: str
    notify_type: str
    delay: int  # minutes since the alert was created
    recipient_type: str
    recipient: str | None


@dataclass
class Escalation:
    """An escalation: its rules, and how it repeats."""

    id: str
    name: str
    rules: list[Rule] = field(default_factory=list)
    repeat_count: int = 0
    repeat_wait: int | None = None  # minutes
    notes: list[str] = field(default_factory=list)


@dataclass
class Team:
    """A team: its members' user ids."""

    id: str
    name: str
    members: list[str] = field(default_factory=list)


@dataclass
class Export:
    """Everything read from a team's Opsgenie files."""

    users: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    escalations: dict[str, Escalation] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
