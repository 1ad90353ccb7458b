"""OnCall's Terraform resources and REST API v1 dumps, read into one :class:`Export`.

The provider's resources and the API's objects share field names, so one set of field readers
(:class:`~muster.config.importers.fields.Fields`) serves both; what is not literal is noted on
the object rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from muster.config.importers.collecting import known_resources
from muster.config.importers.fields import Fields
from muster.config.importers.grafana_oncall.model import (
    Chain,
    Export,
    Integration,
    Policy,
    Route,
    Schedule,
    Shift,
    Skipped,
    User,
)
from muster.config.importers.terraform import TerraformResource

ENDPOINTS = (
    "users",
    "schedules",
    "on_call_shifts",
    "escalation_chains",
    "escalation_policies",
    "integrations",
    "routes",
)
"""The API v1 lists an import reads, each dumped to a file of that name (``users.json``)."""


def _user(id_: str, values: Mapping[str, Any]) -> User:
    fields = Fields(values)
    return User(
        id=id_,
        username=fields.text("username") or id_,
        email=fields.text("email"),
        name=fields.text("name"),
    )


def _shift(id_: str, values: Mapping[str, Any]) -> Shift:
    fields = Fields(values)
    shift = Shift(
        id=id_,
        name=fields.text("name") or id_,
        type=fields.text("type") or "",
        start=fields.text("start"),
        duration=fields.number("duration"),
        level=fields.number("level", 0) or 0,
        frequency=fields.text("frequency"),
        interval=fields.number("interval", 1) or 1,
        by_day=fields.texts("by_day"),
        by_month=fields.numbers("by_month"),
        by_monthday=fields.numbers("by_monthday"),
        week_start=fields.text("week_start"),
        until=fields.text("until"),
        time_zone=fields.text("time_zone"),
        users=fields.texts("users"),
        rolling_users=fields.groups("rolling_users"),
        start_index=fields.number("start_rotation_from_user_index", 0) or 0,
    )
    shift.notes = fields.notes
    return shift


def _schedule(id_: str, values: Mapping[str, Any]) -> Schedule:
    fields = Fields(values)
    schedule = Schedule(
        id=id_,
        name=fields.text("name") or id_,
        type=fields.text("type") or "calendar",
        time_zone=fields.text("time_zone"),
        shift_ids=fields.texts("shifts"),
        ical_urls=[
            url for key in ("ical_url_primary", "ical_url_overrides") if (url := fields.text(key))
        ],
    )
    schedule.notes = fields.notes
    if schedule.shift_ids and fields.text("ical_url_overrides"):
        schedule.notes.append("its overrides calendar (ical_url_overrides) is not read")
    if values.get("enable_web_overrides") is True:
        schedule.notes.append(
            "overrides made in OnCall's web UI are not in Terraform: add an API dump of"
            " on_call_shifts to import them"
        )
    return schedule


def _policy(id_: str, values: Mapping[str, Any]) -> Policy:
    fields = Fields(values)
    kind = fields.text("type") or ""
    persons = fields.texts("persons_to_notify") or fields.texts("persons_to_notify_next_each_time")
    policy = Policy(
        id=id_,
        chain_id=fields.text("escalation_chain_id") or "",
        position=fields.number("position", 0) or 0,
        type=kind,
        duration=fields.number("duration"),
        persons=persons,
        schedule_id=fields.text("notify_on_call_from_schedule"),
        important=values.get("important") is True,
    )
    policy.notes = fields.notes
    return policy


def _route(id_: str, values: Mapping[str, Any], default: bool = False) -> Route:
    fields = Fields(values)
    return Route(
        id=id_,
        integration_id=fields.text("integration_id") or "",
        chain_id=fields.text("escalation_chain_id"),
        regex=fields.text("routing_regex"),
        position=fields.number("position", 0) or 0,
        routing_type=fields.text("routing_type") or "regex",
        default=default or values.get("is_the_last_route") is True,
    )


def _integration(id_: str, values: Mapping[str, Any]) -> Integration:
    fields = Fields(values)
    integration = Integration(
        id=id_, name=fields.text("name") or id_, type=fields.text("type") or "webhook"
    )
    default = values.get("default_route")
    if isinstance(default, list):  # a block in .tf files and in state
        default = default[0] if default else None
    if isinstance(default, Mapping):
        route_id = str(default.get("id") or f"{id_}/default")
        integration.routes.append(_route(route_id, {**default, "integration_id": id_}, True))
    return integration


class _Collector:
    """Files objects into an :class:`Export`, then ties shifts, steps and routes to theirs."""

    def __init__(self) -> None:
        self.export = Export()
        self.policies: list[Policy] = []
        self.routes: list[Route] = []

    def add(self, kind: str, id_: str, values: Mapping[str, Any]) -> None:
        export = self.export
        if kind == "users":
            export.users[id_] = _user(id_, values)
        elif kind == "schedules":
            export.schedules[id_] = _schedule(id_, values)
        elif kind == "on_call_shifts":
            export.shifts[id_] = _shift(id_, values)
        elif kind == "escalation_chains":
            export.chains[id_] = Chain(id=id_, name=str(values.get("name") or id_))
        elif kind == "escalation_policies":
            self.policies.append(_policy(id_, values))
        elif kind == "integrations":
            export.integrations[id_] = _integration(id_, values)
        elif kind == "routes":
            self.routes.append(_route(id_, values))

    def finish(self) -> Export:
        export = self.export
        for policy in sorted(self.policies, key=lambda step: step.position):
            chain = export.chains.get(policy.chain_id)
            if chain is None:
                export.skipped.append(
                    Skipped(
                        "escalation step", policy.id, "its escalation chain is not among the files"
                    )
                )
            else:
                chain.steps.append(policy)
        for route in sorted(self.routes, key=lambda route: route.position):
            integration = export.integrations.get(route.integration_id)
            if integration is None:
                export.skipped.append(
                    Skipped("route", route.id, "its integration is not among the files")
                )
                continue
            if route.default:
                integration.routes.append(route)
            else:
                at = sum(1 for known in integration.routes if not known.default)
                integration.routes.insert(at, route)
        return export


TERRAFORM_KINDS = {
    "grafana_oncall_user": "users",
    "grafana_oncall_schedule": "schedules",
    "grafana_oncall_on_call_shift": "on_call_shifts",
    "grafana_oncall_escalation_chain": "escalation_chains",
    "grafana_oncall_escalation": "escalation_policies",
    "grafana_oncall_integration": "integrations",
    "grafana_oncall_route": "routes",
}
"""Provider resource (or data source) → the API list it is the same object as."""


def from_sources(
    resources: Iterable[TerraformResource], dumps: Iterable[tuple[str, Any]]
) -> Export:
    """One export from Terraform resources and API dumps (``(file name, JSON)`` pairs)."""
    collector = _Collector()
    provider = ("grafana_oncall_", "Grafana OnCall")
    skipped = collector.export.skipped
    for kind, resource in known_resources(resources, TERRAFORM_KINDS, provider, skipped):
        collector.add(kind, resource.id, resource.values)
    for name, document in dumps:
        for kind, items in _lists(name, document):
            if kind not in ENDPOINTS:
                collector.export.skipped.append(
                    Skipped("file", name, f"not an OnCall API v1 list ({', '.join(ENDPOINTS)})")
                )
                continue
            for item in items:
                if isinstance(item, Mapping) and item.get("id"):
                    collector.add(kind, str(item["id"]), item)
    return collector.finish()


def _lists(name: str, document: Any) -> Iterable[tuple[str, list[Any]]]:
    """A dump's lists by endpoint: one file per endpoint (paged ``results`` or a bare list),
    or one object holding several endpoints' lists by name."""
    stem = PurePath(name).stem
    if isinstance(document, Mapping) and isinstance(document.get("results"), list):
        return [(stem, document["results"])]
    if isinstance(document, list):
        return [(stem, document)]
    if isinstance(document, Mapping) and any(key in ENDPOINTS for key in document):
        return [
            (key, value if isinstance(value, list) else value.get("results") or [])
            for key, value in document.items()
            if isinstance(value, list | Mapping)
        ]
    return [(stem, [])]
