"""The routing config as typed, validated data: what ops write, once it has been checked.

The schema follows ``routing.example.yaml`` name for name, so the YAML ops edit and the objects the
core reads are the same vocabulary. Field-level rules (durations, handoffs, identifiers, a rotation
of several members needing a period and a start) live here; rules that relate one part of the
document to another live in :mod:`worker.core.checks.references`, so a typo in one section never
hides the errors of another.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import cached_property
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from muster.worker.core.config.durations import format_duration
from muster.worker.core.config.feeds import CalendarFeeds
from muster.worker.core.config.fields import (
    Day,
    Duration,
    HandoffTime,
    Instant,
    MaskedRepr,
    Name,
    Strict,
    Text,
    TimezoneName,
)
from muster.worker.core.config.heartbeats import HeartbeatMonitor
from muster.worker.core.config.intake import Intake
from muster.worker.core.config.limits import Limits
from muster.worker.core.config.maintenance import Maintenance

SME = "sme"
"""The pseudo-role a severity level names to page the experts of each impacted service."""


class SeverityLevel(Strict):
    """Who a severity pages, how, and the clock it runs on."""

    page: list[Name] = Field(min_length=1)
    via: list[Name] = Field(min_length=1)
    ack_within: Duration | None = None
    summary_every: Duration = timedelta(minutes=15)
    customer_update_every: Duration | None = None


class SeverityConfig(Strict):
    """Impact × customer urgency → severity, and what each severity means. Lists run most first."""

    impacts: list[Name] = Field(min_length=1)
    urgencies: list[Name] = Field(min_length=1)
    matrix: dict[Name, dict[Name, Name]]
    levels: dict[Name, SeverityLevel] = Field(min_length=1)


class Role(Strict):
    """A standing incident role (incident commander, support lead…) held by a rotation."""

    rotation: Name
    escalate_to: list[Name] = Field(default_factory=list)


class Service(Strict):
    """A service that can be impacted: its SME rotation, escalation chain and links."""

    smes: Name
    escalate_to: list[Name] = Field(default_factory=list)
    runbook: Text | None = None
    dashboards: list[Text] = Field(default_factory=list)
    room: Text | None = None


class Rotation(Strict):
    """Members taking turns: one period each, handing over at a wall-clock time from ``start``."""

    members: list[Name]
    every: Duration | None = None
    handoff: HandoffTime | None = None
    start: Day | None = None

    @model_validator(mode="after")
    def _turns_need_a_clock(self) -> Rotation:
        if len(self.members) > 1:
            missing = [key for key in ("every", "start") if getattr(self, key) is None]
            if missing:
                raise ValueError(
                    f"a rotation of {len(self.members)} members needs {' and '.join(missing)}"
                    " to know whose turn it is"
                )
        if len(set(self.members)) != len(self.members):
            raise ValueError("a member is listed twice: list each person once per rotation")
        weekly = self.handoff is not None and self.handoff.weekday is not None
        if self.every is not None and weekly and self.every % timedelta(weeks=1):
            raise ValueError(
                f"handoff {self.handoff} names a weekday, so 'every' must be whole weeks,"
                f" not {format_duration(self.every)}"
            )
        if (
            self.every is not None
            and self.every >= timedelta(days=1)
            and self.every % timedelta(days=1)
        ):
            raise ValueError(
                f"'every' of a day or more must be whole days, not {format_duration(self.every)}"
            )
        return self


class Override(Strict):
    """A temporary swap: ``person`` holds ``rotation`` from ``from`` until ``until``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    rotation: Name
    person: Name
    starts: Instant = Field(alias="from")
    until: Instant

    @model_validator(mode="after")
    def _window_is_forward(self) -> Override:
        if (self.starts.tzinfo is None) != (self.until.tzinfo is None):
            raise ValueError("'from' and 'until' must both have an offset or both be local times")
        if self.until <= self.starts:
            raise ValueError("'until' must be after 'from'")
        return self


class Person(MaskedRepr):
    """Someone who can be paged: a display name and one address per contact kind."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: Text

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "name", self.name
        yield "addresses", sorted(self.addresses)

    @model_validator(mode="before")
    @classmethod
    def _addresses_are_strings(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for kind, address in data.items():
                if kind == "name":
                    continue
                if not isinstance(address, str):
                    raise ValueError(f"address for {kind!r} must be a string (quote phone numbers)")
                if any(mark in address for mark in ",; \t\n"):
                    # Apprise splits targets on these, even percent-encoded: one address must
                    # never page two destinations.
                    raise ValueError(
                        f"address for {kind!r} must be one address: no commas, semicolons or spaces"
                    )
        return data

    @property
    def addresses(self) -> dict[str, str]:
        """Contact kind → address, for every kind this person can be reached by."""
        return {kind: str(value) for kind, value in (self.model_extra or {}).items() if value}


class Contacts(MaskedRepr):
    """How each contact kind is reached (an Apprise URL template) and what to try instead."""

    model_config = ConfigDict(extra="allow", frozen=True)

    fallback: dict[Name, Name] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _templates_are_strings(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for kind, template in data.items():
                if kind != "fallback" and not isinstance(template, str):
                    raise ValueError(f"contact template for {kind!r} must be an Apprise URL string")
        return data

    @property
    def templates(self) -> dict[str, str]:
        """Contact kind → Apprise URL template with ``{kind}`` where the address goes."""
        return {kind: str(value) for kind, value in (self.model_extra or {}).items()}


class Broadcasts(Strict):
    """Apprise URLs of the team-wide destinations."""

    incident_room: Text | None = None
    summaries: Text | None = None
    stakeholders: Text | None = None


class AckLinks(Strict):
    """Acknowledgement links in pages: where muster's ack endpoint is, the signing secret, and
    how long a link acts after it was sent (a day: a page is answered within minutes, every
    escalation and reminder carries a fresh link, and a forwarded or leaked one dies soon)."""

    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    secret: Annotated[str, StringConstraints(min_length=16)]
    expires: Duration = timedelta(hours=24)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "url", self.url
        yield "secret", "****"
        yield "expires", self.expires


class EscalationPolicy(Strict):
    """How often an exhausted escalation chain is paged again from the top."""

    repeat: int = Field(default=1, ge=0, le=10)


class RoutingConfig(Strict):
    """The whole routing document, validated field by field; cross-references checked apart."""

    version: Literal[1] = 1
    timezone: TimezoneName = "UTC"
    severity: SeverityConfig
    roles: dict[Name, Role] = Field(default_factory=dict)
    services: dict[Name, Service] = Field(default_factory=dict)
    fallback_service: Name | None = None
    rotations: dict[Name, Rotation] = Field(default_factory=dict)
    overrides: list[Override] = Field(default_factory=list)
    people: dict[Name, Person] = Field(default_factory=dict)
    contacts: Contacts = Field(default_factory=Contacts)
    broadcasts: Broadcasts = Field(default_factory=Broadcasts)
    escalation: EscalationPolicy = Field(default_factory=EscalationPolicy)
    ack: AckLinks | None = None
    calendar: CalendarFeeds | None = None
    intake: Intake = Field(default_factory=Intake)
    heartbeats: dict[Name, HeartbeatMonitor] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)
    maintenance: Maintenance = Field(default_factory=Maintenance)

    @cached_property
    def zone(self) -> ZoneInfo:
        """The timezone rotations' handoffs and naive override times are read in."""
        return ZoneInfo(self.timezone)

    @cached_property
    def level_order(self) -> tuple[str, ...]:
        """Severity names, most severe first, as the ``levels`` mapping lists them."""
        return tuple(self.severity.levels)
