"""Opsgenie's escalations as muster services.

An escalation notifies each rule's recipient ``delay`` minutes after the alert, until someone
acknowledges; a muster service pages its SME rotation, then each ``escalate_to`` rotation one
``ack_within`` after the last. So each escalation becomes a service whose levels are its rules'
recipients (a schedule's rotation, or a person's own rotation), in the order of their delays;
the gaps between delays become the severity levels' ``ack_within`` and ``repeat`` the config's
``escalation.repeat`` — both config-wide in muster, so an escalation that differs from the rest
is reported ⚠️. Recipients muster has no equivalent for are ❌.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from muster.config.importers.opsgenie.model import Escalation, Rule
from muster.config.importers.report import Report

NOTIFY = {
    "next": "Opsgenie pages the next on-call; muster the current holder",
    "previous": "Opsgenie pages the previous on-call; muster the current holder",
    "all": "Opsgenie pages everyone on the schedule; muster the current holder",
}
MAX_REPEAT = 10
"""muster's ``escalation.repeat`` at most."""


@dataclass
class Plan:
    """An escalation in muster's terms: its levels (rotation names), waits and repeats."""

    service: str
    levels: list[str] = field(default_factory=list)
    waits: list[int] = field(default_factory=list)  # seconds between successive levels
    repeat: int = 0


def _target(
    rule: Rule,
    schedule_rotation: Callable[[str], str | None],
    person_rotation: Callable[[str], str | None],
) -> tuple[str | None, str]:
    """The rotation a rule pages, or None and why not."""
    if rule.recipient_type == "schedule":
        found = schedule_rotation(rule.recipient or "")
        return found, "" if found else "names no schedule among the files"
    if rule.recipient_type == "user":
        found = person_rotation(rule.recipient or "")
        return found, "" if found else "names no user among the files"
    if rule.recipient_type == "team":
        return None, "pages a team's own routing; muster pages rotations: name its schedule"
    return None, f"recipient type {rule.recipient_type!r} is not one muster pages"


def _caveats(rule: Rule, last: int | None) -> list[str]:
    """What muster pages differently for a rule, given the delay of the level before it."""
    caveats = []
    if last is None and rule.delay:
        caveats.append(f"Opsgenie waits {rule.delay}m first; muster pages at once")
    elif last is not None and rule.delay == last:
        caveats.append("paged with the rule before in Opsgenie, later in muster")
    if rule.recipient_type == "schedule" and rule.notify_type in NOTIFY:
        caveats.append(NOTIFY[rule.notify_type])
    if rule.condition == "if-not-closed":
        caveats.append("Opsgenie escalates until closed; muster until acknowledged")
    return caveats


def plan_escalation(
    escalation: Escalation,
    service: str,
    schedule_rotation: Callable[[str], str | None],
    person_rotation: Callable[[str], str | None],
    report: Report,
) -> Plan:
    """The escalation's levels, reporting each rule."""
    plan = Plan(service=service, repeat=min(escalation.repeat_count, MAX_REPEAT))
    last: int | None = None
    for note in escalation.notes:
        report.approximated("escalation", repr(escalation.name), note)
    for position, rule in enumerate(sorted(escalation.rules, key=lambda r: r.delay)):
        what = f"{escalation.name!r} rule {position} ({rule.recipient_type} after {rule.delay}m)"
        if rule.notify_type == "admins":
            report.dropped("escalation rule", what, "muster pages rotations, not team admins")
            continue
        target, why = _target(rule, schedule_rotation, person_rotation)
        if target is None:
            report.dropped("escalation rule", what, why)
            continue
        caveats = _caveats(rule, last)
        if target in plan.levels:
            caveats.append(f"{target} is paged once, at its first level")
        else:
            if last is not None and rule.delay > last:
                plan.waits.append((rule.delay - last) * 60)
            plan.levels.append(target)
            last = rule.delay
        text = f"level {target} of service {service}"
        if caveats:
            report.approximated("escalation rule", what, "; ".join([text, *caveats]))
        else:
            report.mapped("escalation rule", what, text)
    if escalation.repeat_count > MAX_REPEAT:
        report.approximated(
            "escalation",
            repr(escalation.name),
            f"repeats {escalation.repeat_count} times; muster at most {MAX_REPEAT}",
        )
    return plan
