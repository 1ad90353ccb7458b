"""The message contract (version 1): what producers may send, validated before anything acts on it.

Each message is one JSON object, the single positional argument of the Celery task of the same
name. Unknown fields are rejected (except under ``labels``), so a producer's typo is a clear
dead letter rather than a silently ignored field. Values that depend on the routing config (an
impact level, a role, a person) are checked against the config when the message is handled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from muster.worker.core.intake.namespaces import ReservedNamespace, check_given
from muster.worker.tasks.names import (
    ACKNOWLEDGED,
    DECLARED,
    HEARTBEAT,
    MILESTONE,
    RESOLVED,
    SHIFTS_CHANGED,
    SHIFTS_EDITED,
)

FINGERPRINT_MAX = 256  # the database's column; a web caller's scoped fingerprint must fit it too
IncidentId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
]
Fingerprint = Annotated[str, StringConstraints(min_length=1, max_length=FINGERPRINT_MAX)]
TITLE_MAX = 200
SUMMARY_MAX = 4000
SERVICE_NAME_MAX = 100
ServiceName = Annotated[str, StringConstraints(min_length=1, max_length=SERVICE_NAME_MAX)]
PersonId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
MilestoneKind = Literal[
    "sme_suggestion",
    "troubleshooting_result",
    "redefinition",
    "support_update",
    "state_change",
    "role_change",
    "engage",
    "note",
]
IncidentState = Literal["investigating", "identified", "monitoring", "resolved"]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# An outage of a whole platform names hundreds (an alert group's every service): the cap only
# stops absurd hand-written input; a webhook's classification clips to it, never refused.
SERVICES_MAX = 1000
Services = Annotated[
    list[ServiceName], Field(min_length=1, max_length=SERVICES_MAX), AfterValidator(_unique)
]


class _Message(BaseModel):
    # Each model's validator is built when first used, not at import: a producer command
    # sends one kind of message (``muster ack`` never builds the declaration's validator).
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )


class Declared(_Message):
    """``muster.incident.declared``: an incident is declared."""

    incident_id: IncidentId | None = None
    fingerprint: Fingerprint | None = None
    title: Annotated[str, StringConstraints(min_length=1, max_length=TITLE_MAX)]
    summary: Annotated[str, StringConstraints(max_length=SUMMARY_MAX)] = ""
    impact: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    urgency: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    services: Services
    source: Annotated[str, StringConstraints(max_length=100)] | None = None
    customer_reports: list[Annotated[str, StringConstraints(max_length=1000)]] = Field(
        default_factory=list, max_length=100
    )
    links: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=100)],
        Annotated[str, StringConstraints(min_length=1, max_length=2000)],
    ] = Field(default_factory=dict, max_length=50)
    declared_at: AwareDatetime | None = None
    labels: dict[
        Annotated[str, StringConstraints(max_length=100)],
        Annotated[str, StringConstraints(max_length=1000)],
    ] = Field(default_factory=dict, max_length=50)


class Milestone(_Message):
    """``muster.incident.milestone``: something happened during the incident."""

    incident_id: IncidentId
    kind: MilestoneKind
    text: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    author: Annotated[str, StringConstraints(max_length=100)] | None = None
    at: AwareDatetime | None = None
    milestone_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    impact: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    urgency: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    services: Services | None = None
    state: IncidentState | None = None
    role: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    person: PersonId | None = None
    people: list[PersonId] | None = None

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> Milestone:
        allowed = {
            "redefinition": {"impact", "urgency", "services"},
            "state_change": {"state"},
            "role_change": {"role", "person"},
            "engage": {"people", "services"},
        }.get(self.kind, set())
        extra = {
            name
            for name in ("impact", "urgency", "services", "state", "role", "person", "people")
            if getattr(self, name) is not None and name not in allowed
        }
        if extra:
            raise ValueError(f"{', '.join(sorted(extra))} not allowed with kind {self.kind!r}")
        if self.kind == "redefinition" and not (self.impact or self.urgency or self.services):
            raise ValueError("a redefinition needs impact, urgency or services")
        if self.kind == "state_change" and self.state is None:
            raise ValueError("a state_change needs state")
        if self.kind == "role_change" and (self.role is None or self.person is None):
            raise ValueError("a role_change needs role and person")
        if self.kind == "engage" and not (self.people or self.services):
            raise ValueError("an engage needs people or services (at least one)")
        return self


class Acknowledged(_Message):
    """``muster.incident.acknowledged``: someone took a page."""

    incident_id: IncidentId
    person: PersonId
    role: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    at: AwareDatetime | None = None


class Resolved(_Message):
    """``muster.incident.resolved``: the incident is over.

    Addressed by ``incident_id``, or by ``fingerprint``: the open incident holding it (what a
    monitoring system knows of the incident it declared, such as an Alertmanager group).
    """

    incident_id: IncidentId | None = None
    fingerprint: Fingerprint | None = None
    text: Annotated[str, StringConstraints(max_length=4000)] | None = None
    at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _names_one_incident(self) -> Resolved:
        if (self.incident_id is None) == (self.fingerprint is None):
            raise ValueError("a resolution needs incident_id or fingerprint (one of them)")
        return self


class Heartbeat(_Message):
    """``muster.heartbeat``: a heartbeat monitor of the config was heard from."""

    name: Annotated[
        str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    ]
    received_at: AwareDatetime | None = None


class ShiftsChanged(_Message):
    """``muster.shifts.changed``: muster's own, sent by ``muster override add|remove`` and
    ``muster take`` once the overrides file is written: ``person`` covers ``rotation`` from
    ``starts`` until ``until`` by the override ``override_id``, now ``added`` or ``removed``.
    The worker tells the people whose shifts this moves, once per override and action."""

    override_id: Annotated[
        str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    ]
    action: Literal["added", "removed"]
    rotation: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    person: PersonId
    starts: AwareDatetime
    until: AwareDatetime
    reason: Annotated[str, StringConstraints(max_length=1000)] = ""
    by: PersonId | None = None


class EditedStretch(_Message):
    """A stretch of a rotation a person gained or was relieved of; ``other``: who held it
    before, or holds it now (None: a gap)."""

    rotation: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    starts: AwareDatetime
    until: AwareDatetime
    other: PersonId | None = None


class EditedShifts(_Message):
    """One person's shifts moved by a config edit."""

    person: PersonId
    gained: list[EditedStretch] = Field(default_factory=list, max_length=500)
    relieved: list[EditedStretch] = Field(default_factory=list, max_length=500)


class ShiftsEdited(_Message):
    """``muster.shifts.edited``: muster's own, sent by ``muster config diff OLD NEW --notify``
    once the edit is live: whose shifts it moves over the diff's horizon. ``edit`` (the pair of
    the versions' hashes) makes it told once."""

    edit: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    people: list[EditedShifts] = Field(max_length=5000)
    by: PersonId | None = None


CONTRACT: dict[str, type[_Message]] = {
    DECLARED: Declared,
    MILESTONE: Milestone,
    ACKNOWLEDGED: Acknowledged,
    RESOLVED: Resolved,
    HEARTBEAT: Heartbeat,
}
OWN: dict[str, type[_Message]] = {SHIFTS_CHANGED: ShiftsChanged, SHIFTS_EDITED: ShiftsEdited}
"""muster's own messages that carry a payload (sent by its CLI, not by producers)."""


class InvalidMessage(ValueError):
    """A message that breaks the contract or the config: dead-lettered, never retried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse(task: str, payload: Any, *, producer: bool = False) -> _Message:
    """The validated message for ``task``, or :class:`InvalidMessage` with every problem named.

    ``producer``: the message comes from a producer, not muster's own intake, so its
    declaration or resolution may not give a fingerprint or incident id in muster's reserved
    namespaces (:mod:`muster.worker.core.intake.namespaces`). The worker parses what the broker
    brings
    without it: whoever can publish on the broker is trusted as muster itself (the broker
    cannot tell producers apart), and muster's web intake publishes webhook declarations there.
    """
    model = CONTRACT.get(task) or OWN.get(task)
    if model is None:
        raise InvalidMessage(f"no message contract for task {task!r}")
    if not isinstance(payload, dict):
        raise InvalidMessage(f"the message must be a JSON object, not {type(payload).__name__}")
    try:
        message = model.model_validate(payload)
    except ValidationError as invalid:
        raise InvalidMessage(describe(invalid)) from None
    if producer and isinstance(message, Declared | Resolved):
        try:
            check_given(
                message.incident_id if isinstance(message, Declared) else None, message.fingerprint
            )
        except ReservedNamespace as reserved:
            raise InvalidMessage(str(reserved)) from None
    return message


def describe(invalid: ValidationError) -> str:
    """Pydantic's errors as one line a producer can act on (values are not echoed)."""
    problems = []
    for detail in invalid.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in detail["loc"]) or "(message)"
        message = str(detail["msg"]).removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(f"{where}: {message}")
    return "; ".join(problems)


def received_at(value: datetime | None, now: datetime) -> datetime:
    """A message's own time if it has one, else when it was received."""
    return value if value is not None else now
