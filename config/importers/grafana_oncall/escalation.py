"""OnCall's escalation chains as muster services, and its routes as intake rules.

A chain pages its notify steps in order, waiting between them; a muster service pages its SME
rotation, then each ``escalate_to`` rotation one ``ack_within`` after the last. So each chain
becomes a service whose levels are its notify steps' targets (a schedule's rotation, or a
person's own rotation), its waits become the severity levels' ``ack_within`` and
``repeat_escalation`` the config's ``escalation.repeat`` — both config-wide in muster, so a
chain that differs from the rest is reported ⚠️. Steps muster has no equivalent for are ❌.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from muster.config.importers.grafana_oncall.model import Chain, Integration, Policy, Route
from muster.config.importers.report import Report
from muster.worker.core.config.durations import format_duration

ONCALL_REPEATS = 5
"""How many times OnCall's ``repeat_escalation`` step repeats a chain, at most."""

NOT_CARRIED = {
    "resolve": "muster never resolves an incident by itself",
    "trigger_webhook": "muster calls no outgoing webhooks",
    "trigger_action": "muster calls no outgoing webhooks",
    "notify_user_group": "muster pages rotations, not Slack user groups",
    "notify_whole_channel": "muster posts milestones to the service's room, not per step",
    "notify_team_members": "muster pages rotations, not teams",
    "notify_if_time_from_to": "muster has no time-of-day conditions in a chain",
    "notify_if_num_alerts_in_window": "muster has no alert-count conditions in a chain",
    "declare_incident": "every muster incident is declared already",
}


@dataclass
class ChainPlan:
    """A chain in muster's terms: its levels (rotation names), waits and whether it repeats."""

    service: str
    levels: list[str] = field(default_factory=list)
    waits: list[int] = field(default_factory=list)  # seconds
    repeats: bool = False


def plan_chain(
    chain: Chain,
    service: str,
    schedule_rotation: Callable[[str], str | None],
    person_rotation: Callable[[str], str | None],
    report: Report,
) -> ChainPlan:
    """The chain's levels, reporting each step."""
    plan = ChainPlan(service=service)
    waited = True  # since the last notify step: OnCall pages steps with no wait between at once
    for step in chain.steps:
        what = f"{chain.name!r} step {step.position} ({step.type})"
        for note in step.notes:
            report.approximated("escalation step", what, note)
        if step.type == "wait":
            plan.waits.append(step.duration or 0)
            waited = True
            text = f"wait {format_duration_seconds(step.duration)}"
            if not plan.levels:
                report.approximated("escalation step", what, f"{text}; muster pages at once")
            else:
                report.mapped("escalation step", what, text)
        elif step.type == "repeat_escalation":
            plan.repeats = True
            report.mapped("escalation step", what, f"escalation.repeat: {ONCALL_REPEATS}")
        elif step.type in NOT_CARRIED:
            report.dropped("escalation step", what, NOT_CARRIED[step.type])
        else:
            targets = _targets(step, schedule_rotation, person_rotation)
            known = [target for target in targets or [] if target is not None]
            if targets is None or not known:
                why = (
                    "a step type muster does not know"
                    if targets is None
                    else ("names no schedule or user among the files")
                )
                report.dropped("escalation step", what, why)
                continue
            plan.levels += [target for target in known if target not in plan.levels]
            text = f"level{'s' if len(known) > 1 else ''} {', '.join(known)} of service {service}"
            caveats = [_caveat(step, len(known), len(targets))]
            if not waited:
                caveats.append("paged with the step before in OnCall, later in muster")
            waited = False
            caveat = "; ".join(filter(None, caveats))
            if caveat:
                report.approximated("escalation step", what, f"{text}; {caveat}")
            else:
                report.mapped("escalation step", what, text)
    return plan


def _targets(
    step: Policy,
    schedule_rotation: Callable[[str], str | None],
    person_rotation: Callable[[str], str | None],
) -> list[str | None] | None:
    """The rotations a notify step pages (None for one not found); None for another step."""
    if step.type == "notify_on_call_from_schedule":
        return [schedule_rotation(step.schedule_id or "")]
    if step.type in ("notify_persons", "notify_person_next_each_time"):
        return [person_rotation(person) for person in step.persons]
    return None


def _caveat(step: Policy, known: int, targets: int) -> str:
    """What muster pages differently for a notify step ('' when nothing)."""
    if known < targets:
        return "some of its users are not among the files"
    if known > 1 and step.type == "notify_persons":
        return "paged one after another, not at once"
    if step.type == "notify_person_next_each_time":
        return "each escalation, not each alert, takes the next"
    if step.important:
        return "'important' is the severity's via in muster"
    return ""


def format_duration_seconds(seconds: int | None) -> str:
    """Seconds as muster spells a duration (300 → 5m)."""
    return format_duration(timedelta(seconds=seconds or 0))


_LABEL_REGEX = re.compile(
    r'^\\?"?(?P<label>[A-Za-z_][A-Za-z0-9_]*)\\?"?\s*:\s*\\?"(?P<value>[^"\\]*)\\?"$'
)
_LITERAL = re.compile(r"^[A-Za-z0-9_ .:/-]*$")
_ALTERNATIVES = re.compile(r"^\(?[A-Za-z0-9_-]+(?:\|[A-Za-z0-9_-]+)+\)?$")
_JINJA = re.compile(
    r"^\{\{\s*payload\.(?:commonLabels|labels|alerts\[0\]\.labels)\.(?P<label>[A-Za-z_][A-Za-z0-9_]*)"
    r'\s*==\s*["\'](?P<value>[^"\']*)["\']\s*\}\}$'
)


def route_rule(route: Route, service: str) -> tuple[dict[str, Any] | None, str]:
    """An intake rule for a route, and how faithful it is (empty when exact)."""
    text = (route.regex or "").strip()
    jinja = _JINJA.fullmatch(text)
    if jinja is not None:
        return {"match": {jinja["label"]: jinja["value"]}, "services": [service]}, ""
    labelled = _LABEL_REGEX.fullmatch(text)
    if labelled is not None:
        value = labelled["value"]
        if _LITERAL.fullmatch(value):
            rule = {"match": {labelled["label"]: value}, "services": [service]}
            return rule, "OnCall searched the whole payload; muster matches the alert's label"
        if _ALTERNATIVES.fullmatch(value):
            rule = {"match_re": {labelled["label"]: value.strip("()")}, "services": [service]}
            return rule, "OnCall searched the whole payload; muster matches the alert's label"
    return None, f"cannot express {text!r} over labels: write an intake rule by hand"


def integration_rules(
    integration: Integration, service_of: Callable[[str | None], str | None], report: Report
) -> tuple[list[dict[str, Any]], str | None]:
    """The integration's routes as intake rules, and its default route's service."""
    rules: list[dict[str, Any]] = []
    default: str | None = None
    for route in integration.routes:
        service = service_of(route.chain_id)
        name = (
            f"{integration.name!r} route {route.position}"
            if not route.default
            else (f"{integration.name!r} default route")
        )
        if service is None:
            report.dropped("route", name, "its escalation chain was not imported")
            continue
        if route.default:
            default = service
            continue
        rule, caveat = route_rule(route, service)
        if rule is None:
            report.dropped("route", name, caveat)
        elif caveat:
            rules.append(rule)
            report.approximated("route", name, f"intake rule → {service}: {caveat}")
        else:
            rules.append(rule)
            report.mapped("route", name, f"intake rule → {service}")
    return rules, default
