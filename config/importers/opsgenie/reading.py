"""Opsgenie's Terraform resources and REST API v2 dumps, read into one :class:`Export`.

The API's camelCase keys are turned into the provider's snake_case first (``startDate`` →
``start_date``), and a block Terraform writes as a list (``recipient { … }``) is read like the
API's object, so one reader serves both. What is not literal is noted, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from muster.config.importers.collecting import known_resources
from muster.config.importers.fields import Fields
from muster.config.importers.opsgenie.model import (
    DAYS,
    MINUTES_A_DAY,
    Escalation,
    Export,
    Override,
    Restriction,
    Rotation,
    Rule,
    Schedule,
    Team,
    User,
)
from muster.config.importers.report import Skipped
from muster.config.importers.terraform import TerraformResource

ENDPOINTS = ("users", "teams", "schedules", "overrides", "escalations")
"""The API v2 lists an import reads, each dumped to a file of that name (``users.json``)."""

CONTACT_KINDS = {"email": "email", "sms": "sms"}
"""Opsgenie contact methods muster pages by, as muster's contact kinds."""

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(value: Any) -> Any:
    """The API's keys as the provider spells them, all the way down."""
    if isinstance(value, Mapping):
        return {_CAMEL.sub(r"_\1", str(key)).lower(): snake(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snake(item) for item in value]
    return value


def one(value: Any) -> Mapping[str, Any]:
    """A nested object: the API's mapping, or the first of Terraform's block list."""
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, Mapping) else {}


def many(value: Any) -> list[Mapping[str, Any]]:
    """Nested objects: a list of mappings, or one mapping."""
    if isinstance(value, Mapping):
        return [value]
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _reference(values: Mapping[str, Any]) -> str | None:
    """A user, schedule or team named by id (Terraform, API) or else by username or name."""
    fields = Fields(values)
    return fields.text("id") or fields.text("username") or fields.text("name")


def _user(id_: str, values: Mapping[str, Any]) -> User:
    fields = Fields(values)
    user = User(
        id=id_,
        username=fields.text("username") or id_,
        name=fields.text("full_name"),
    )
    for contact in many(values.get("contacts")):
        add_contact(user, contact)
    return user


def add_contact(user: User, values: Mapping[str, Any]) -> None:
    """A contact method (``opsgenie_user_contact``, the API's contacts) on its user."""
    fields = Fields(values)
    method, to = fields.text("method") or "", fields.text("to")
    if values.get("enabled") is False or one(values.get("status")).get("enabled") is False:
        return
    if method in CONTACT_KINDS and to:
        user.addresses.setdefault(CONTACT_KINDS[method], to)
    elif method:
        user.unused.append(method)


def _restrictions(values: Mapping[str, Any]) -> tuple[list[Restriction], str | None]:
    """A rotation's windows, or why they cannot be read."""
    restriction = one(values.get("time_restriction"))
    if not restriction:
        return [], None
    kind = restriction.get("type")
    windows = []
    for window in many(restriction.get("restriction")) + many(restriction.get("restrictions")):
        fields = Fields(window)
        hours = [fields.number(key) for key in ("start_hour", "end_hour")]
        minutes = [fields.number(key, 0) or 0 for key in ("start_min", "end_min")]
        if None in hours or fields.notes:
            return [], f"time_restriction {dict(window)} is not literal hours"
        starts, ends = ((h or 0) * 60 + m for h, m in zip(hours, minutes, strict=True))
        if kind == "weekday-and-time-of-day":
            days = [str(window.get(key, "")).lower() for key in ("start_day", "end_day")]
            if any(day not in DAYS for day in days):
                return [], f"time_restriction days {days} are not weekdays"
            starts += DAYS.index(days[0]) * MINUTES_A_DAY
            ends += DAYS.index(days[1]) * MINUTES_A_DAY
        elif kind != "time-of-day":
            return [], f"time_restriction type {kind!r} is not one Opsgenie documents"
        windows.append(Restriction(starts, ends, weekly=kind != "time-of-day"))
    if not windows:
        return [], "time_restriction has no restriction"
    return windows, None


def _rotation(id_: str, schedule_id: str, values: Mapping[str, Any], order: int) -> Rotation:
    fields = Fields(values)
    participants: list[str | None] = []
    foreign = []
    for participant in many(values.get("participant")) + many(values.get("participants")):
        kind = str(participant.get("type") or "user")
        if kind == "none":
            participants.append(None)
        elif kind == "user":
            participants.append(_reference(participant))
        else:  # a team's or an escalation's turn: someone muster cannot name
            participants.append(None)
            foreign.append(f"{kind} {participant.get('name') or _reference(participant)}")
    restrictions, problem = _restrictions(values)
    rotation = Rotation(
        id=id_,
        name=fields.text("name") or id_,
        schedule_id=schedule_id,
        type=fields.text("type"),
        length=fields.number("length", 1) or 0,
        start=fields.text("start_date"),
        end=fields.text("end_date"),
        participants=participants,
        foreign=foreign,
        restrictions=restrictions,
        order=fields.number("order", order) or order,
        problem=problem,
    )
    rotation.notes = fields.notes
    return rotation


def _override(schedule_id: str, values: Mapping[str, Any]) -> Override:
    fields = Fields(values)
    return Override(
        schedule_id=schedule_id,
        user=_reference(one(values.get("user"))),
        start=fields.text("start_date"),
        end=fields.text("end_date"),
        rotations=[
            str(ref) for r in many(values.get("rotations")) if (ref := r.get("name") or r.get("id"))
        ],
        alias=fields.text("alias") or "",
    )


def _schedule(id_: str, values: Mapping[str, Any]) -> Schedule:
    fields = Fields(values)
    schedule = Schedule(
        id=id_,
        name=fields.text("name") or id_,
        timezone=fields.text("timezone"),
        enabled=values.get("enabled") is not False,
    )
    for order, rotation in enumerate(many(values.get("rotations"))):
        rotation_id = str(rotation.get("id") or f"{id_}/{order}")
        schedule.rotations.append(_rotation(rotation_id, id_, rotation, order))
    schedule.overrides = [_override(id_, item) for item in many(values.get("overrides"))]
    schedule.notes = fields.notes
    return schedule


def _delay(value: Any) -> int:
    """Minutes: Terraform's number, or the API's ``{time_amount, time_unit}``."""
    if isinstance(value, Mapping):
        amount = Fields(value).number("time_amount", 0) or 0
        unit = str(value.get("time_unit") or "minutes")
        return amount * {"hours": 60, "days": 1440}.get(unit, 1)
    return Fields({"delay": value}).number("delay", 0) or 0


def _escalation(id_: str, values: Mapping[str, Any]) -> Escalation:
    fields = Fields(values)
    escalation = Escalation(id=id_, name=fields.text("name") or id_)
    for rule in many(values.get("rules")):
        recipient = one(rule.get("recipient"))
        escalation.rules.append(
            Rule(
                condition=str(rule.get("condition") or "if-not-acked"),
                notify_type=str(rule.get("notify_type") or "default"),
                delay=_delay(rule.get("delay")),
                recipient_type=str(recipient.get("type") or "user"),
                recipient=_reference(recipient),
            )
        )
    repeat = Fields(one(values.get("repeat")))
    escalation.repeat_count = repeat.number("count", 0) or 0
    escalation.repeat_wait = repeat.number("wait_interval")
    escalation.notes = fields.notes + repeat.notes
    return escalation


def _team(id_: str, values: Mapping[str, Any]) -> Team:
    members = []
    for member in many(values.get("member")) + many(values.get("members")):
        user = one(member.get("user")) or member
        if reference := _reference(user):
            members.append(reference)
    return Team(id=id_, name=str(values.get("name") or id_), members=members)


TERRAFORM_KINDS = {
    "opsgenie_user": "users",
    "opsgenie_team": "teams",
    "opsgenie_schedule": "schedules",
    "opsgenie_schedule_rotation": "rotations",
    "opsgenie_escalation": "escalations",
    "opsgenie_user_contact": "contacts",
}
"""Provider resource (or data source) → what it holds."""
PROVIDER = ("opsgenie_", "Opsgenie")


class _Collector:
    """Files objects into an :class:`Export`, then ties rotations and contacts to theirs."""

    def __init__(self) -> None:
        self.export = Export()
        self.rotations: list[tuple[str, Mapping[str, Any]]] = []
        self.contacts: list[tuple[str, Mapping[str, Any]]] = []
        self.overrides: list[tuple[str, Mapping[str, Any]]] = []

    def add(self, kind: str, id_: str, values: Mapping[str, Any]) -> None:
        export = self.export
        if kind == "users":
            export.users[id_] = _user(id_, values)
        elif kind == "teams":
            export.teams[id_] = _team(id_, values)
        elif kind == "schedules":
            export.schedules[id_] = _schedule(id_, values)
        elif kind == "escalations":
            export.escalations[id_] = _escalation(id_, values)
        elif kind == "rotations":
            self.rotations.append((id_, values))
        elif kind == "contacts":
            self.contacts.append((id_, values))

    def _schedule_of(self, reference: str) -> Schedule | None:
        export = self.export
        found = export.schedules.get(reference)
        return found or next((s for s in export.schedules.values() if s.name == reference), None)

    def finish(self) -> Export:
        export = self.export
        for id_, values in self.rotations:
            schedule = self._schedule_of(Fields(values).text("schedule_id") or "")
            if schedule is None:
                export.skipped.append(
                    Skipped("rotation", id_, "its schedule is not among the files")
                )
                continue
            order = len(schedule.rotations)
            schedule.rotations.append(_rotation(id_, schedule.id, values, order))
        for reference, values in self.overrides:
            schedule = self._schedule_of(reference)
            if schedule is None:
                export.skipped.append(
                    Skipped("overrides", reference, "their schedule is not among the files")
                )
                continue
            schedule.overrides += [_override(schedule.id, item) for item in many(values)]
        by_name = {user.username.lower(): user for user in export.users.values()}
        for id_, values in self.contacts:
            named = Fields(values).text("username") or ""
            user = export.users.get(named) or by_name.get(named.lower())
            if user is None:
                export.skipped.append(Skipped("contact", id_, "its user is not among the files"))
                continue
            add_contact(user, values)
        return export


def from_sources(
    resources: Iterable[TerraformResource], dumps: Iterable[tuple[str, Any]]
) -> Export:
    """One export from Terraform resources and API dumps (``(file name, JSON)`` pairs)."""
    collector = _Collector()
    skipped = collector.export.skipped
    for kind, resource in known_resources(resources, TERRAFORM_KINDS, PROVIDER, skipped):
        collector.add(kind, resource.id, resource.values)
    for name, document in dumps:
        for kind, items in _lists(name, document):
            if kind == "overrides" and isinstance(items, Mapping):
                collector.overrides += [(str(key), snake(value)) for key, value in items.items()]
            elif kind in ENDPOINTS and isinstance(items, list):
                for item in snake(items):
                    if isinstance(item, Mapping) and item.get("id"):
                        collector.add(kind, str(item["id"]), item)
            else:
                collector.export.skipped.append(
                    Skipped("file", name, f"not an Opsgenie API v2 list ({', '.join(ENDPOINTS)})")
                )
    return collector.finish()


def _lists(name: str, document: Any) -> Iterable[tuple[str, Any]]:
    """A dump's lists by endpoint: one file per endpoint (the API's ``data`` envelope or a bare
    list; ``overrides`` maps a schedule's id or name to its overrides), or one object holding
    several endpoints' lists by name."""
    stem = PurePath(name).stem
    if isinstance(document, Mapping) and "data" in document:
        return [(stem, document["data"])]
    if isinstance(document, Mapping) and any(key in ENDPOINTS for key in document):
        return [(key, value) for key, value in document.items() if key in ENDPOINTS]
    return [(stem, document)]
