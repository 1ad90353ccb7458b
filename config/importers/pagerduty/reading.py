"""PagerDuty's Terraform resources (``.tf`` and state) read into one :class:`Export`.

Blocks (``layer``, ``restriction``, ``rule``, ``target``) are lists in both, so one reader
serves both; what is not literal is noted on the object, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from muster.config.importers.collecting import known_resources
from muster.config.importers.fields import Fields
from muster.config.importers.pagerduty.model import (
    Export,
    Layer,
    Policy,
    Restriction,
    Rule,
    Schedule,
    Service,
    User,
)
from muster.config.importers.report import Skipped
from muster.config.importers.terraform import TerraformResource

TERRAFORM_KINDS = {
    "pagerduty_user": "users",
    "pagerduty_user_contact_method": "contacts",
    "pagerduty_schedule": "schedules",
    "pagerduty_escalation_policy": "policies",
    "pagerduty_service": "services",
}
"""Provider resource (or data source) → what it holds."""
PROVIDER = ("pagerduty_", "PagerDuty")
CONTACT_KINDS = {"sms_contact_method": "sms", "email_contact_method": "email"}
"""PagerDuty contact methods muster pages by, as muster's contact kinds."""


def _blocks(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _clock(text: str | None) -> int | None:
    """``08:00:00`` → minutes after midnight."""
    try:
        hours, minutes, *_ = (int(part) for part in (text or "").split(":"))
    except ValueError:
        return None
    return hours * 60 + minutes if 0 <= hours < 24 and 0 <= minutes < 60 else None


def _restriction(values: Mapping[str, Any]) -> Restriction | str:
    fields = Fields(values)
    kind = fields.text("type")
    minute = _clock(fields.text("start_time_of_day"))
    seconds = fields.number("duration_seconds")
    day = fields.number("start_day_of_week")
    if minute is None or not seconds or seconds <= 0:
        return f"restriction {dict(values)} has no start_time_of_day or duration_seconds"
    if kind == "daily_restriction":
        return Restriction(None, minute, seconds)
    if kind == "weekly_restriction" and day is not None and 1 <= day <= 7:
        return Restriction(day - 1, minute, seconds)
    return f"restriction type {kind!r} (start_day_of_week {day}) is not one PagerDuty documents"


def _layer(values: Mapping[str, Any]) -> Layer:
    fields = Fields(values)
    layer = Layer(
        name=fields.text("name") or "layer",
        start=fields.text("start"),
        virtual_start=fields.text("rotation_virtual_start"),
        turn_seconds=fields.number("rotation_turn_length_seconds"),
        users=fields.texts("users"),
        end=fields.text("end"),
    )
    for block in _blocks(values.get("restriction")):
        read = _restriction(block)
        if isinstance(read, str):
            layer.problem = read
        else:
            layer.restrictions.append(read)
    if fields.notes:
        layer.problem = "; ".join(fields.notes)
    return layer


def _schedule(id_: str, values: Mapping[str, Any]) -> Schedule:
    fields = Fields(values)
    schedule = Schedule(
        id=id_,
        name=fields.text("name") or id_,
        time_zone=fields.text("time_zone"),
        layers=[_layer(block) for block in _blocks(values.get("layer"))],
    )
    schedule.notes = fields.notes
    return schedule


def _policy(id_: str, values: Mapping[str, Any]) -> Policy:
    fields = Fields(values)
    loops = fields.number("num_loops", 0) or 0
    policy = Policy(id=id_, name=fields.text("name") or id_, loops=loops)
    for block in _blocks(values.get("rule")):
        rule = Fields(block)
        targets = []
        for target in _blocks(block.get("target")):
            read = Fields(target)
            targets.append((read.text("type") or "user_reference", read.text("id") or ""))
            policy.notes += read.notes
        policy.rules.append(Rule(rule.number("escalation_delay_in_minutes", 0) or 0, targets))
        policy.notes += rule.notes
    policy.notes += fields.notes
    return policy


def _service(id_: str, values: Mapping[str, Any]) -> Service:
    fields = Fields(values)
    return Service(
        id=id_,
        name=fields.text("name") or id_,
        policy=fields.text("escalation_policy"),
        acknowledgement_timeout=fields.number("acknowledgement_timeout"),
        auto_resolve_timeout=fields.number("auto_resolve_timeout"),
    )


def _contact(export: Export, id_: str, values: Mapping[str, Any]) -> None:
    fields = Fields(values)
    user = export.users.get(fields.text("user_id") or "")
    if user is None:
        export.skipped.append(Skipped("contact method", id_, "its user is not among the files"))
        return
    kind = fields.text("type") or ""
    address = fields.text("address")
    if kind in CONTACT_KINDS and address:
        code = fields.text("country_code")
        if kind == "sms_contact_method" and code:
            address = f"+{code}{address}"
        user.addresses.setdefault(CONTACT_KINDS[kind], address)
    else:
        user.unused.append(kind.removesuffix("_contact_method"))


def from_resources(resources: Iterable[TerraformResource]) -> Export:
    """One export from Terraform resources (``.tf`` and state)."""
    export = Export()
    contacts = []
    for kind, resource in known_resources(resources, TERRAFORM_KINDS, PROVIDER, export.skipped):
        values = resource.values
        if kind == "users":
            fields = Fields(values)
            email = fields.text("email")
            name = fields.text("name") or email or resource.id
            export.users[resource.id] = User(id=resource.id, name=name, email=email)
        elif kind == "schedules":
            export.schedules[resource.id] = _schedule(resource.id, values)
        elif kind == "policies":
            export.policies[resource.id] = _policy(resource.id, values)
        elif kind == "services":
            export.services[resource.id] = _service(resource.id, values)
        else:
            contacts.append((resource.address, values))
    for id_, values in contacts:
        _contact(export, id_, values)
    return export
