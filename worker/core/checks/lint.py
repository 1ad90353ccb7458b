"""Warnings for configs that are valid but dangerous: they load, and would fail someone at 3 a.m.

Each check asks what paging would do at the instant given (the clock is passed in): a rotation with
nobody on call, a person a severity cannot reach, an escalation chain that loops or leads nowhere,
a severity that pages nobody for some service.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from muster.worker.core.checks.intake_lint import replayable_callers
from muster.worker.core.checks.windows import window_warnings
from muster.worker.core.config.issues import ConfigIssue, Path, format_path, warning
from muster.worker.core.config.model import SME
from muster.worker.core.config.scopes import caller_warnings
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.core.paging.routing import Routing, Severity

UNKNOWN_SERVICE = "(unknown service)"
"""A service no config defines, as the checks name it: routed to the fallback service."""


def lint(routing: Routing, now: datetime) -> list[ConfigIssue]:
    """Every warning about ``routing`` as it would page at ``now``."""
    return [
        *_rotation_gaps(routing, now),
        *_unreachable_people(routing),
        *_escalation_chains(routing),
        *_silent_levels(routing, now),
        *_unused_levels(routing),
        *_overlapping_overrides(routing),
        *replayable_callers(routing.config.intake),
        *caller_warnings(routing.config.intake),
        *window_warnings(routing.config, now),
    ]


def _used_rotations(routing: Routing) -> dict[str, Path]:
    config = routing.config
    used: dict[str, Path] = {}
    for name, role in config.roles.items():
        used.setdefault(role.rotation, ("roles", name, "rotation"))
        for index, target in enumerate(role.escalate_to):
            used.setdefault(target, ("roles", name, "escalate_to", index))
    for name, service in config.services.items():
        used.setdefault(service.smes, ("services", name, "smes"))
        for index, target in enumerate(service.escalate_to):
            used.setdefault(target, ("services", name, "escalate_to", index))
    return used


def _rotation_gaps(routing: Routing, now: datetime) -> list[ConfigIssue]:
    issues = []
    for name, where in _used_rotations(routing).items():
        rotation = routing.rotations[name]
        if not rotation.members and not rotation.overrides:
            issues.append(
                warning(
                    ("rotations", name, "members"),
                    f"has no members, so nobody is paged through it (used at {format_path(where)})",
                )
            )
        elif rotation.on_call(now) is None:
            begins = rotation.boundary(0).isoformat() if rotation.anchor_day else "never"
            issues.append(
                warning(
                    ("rotations", name), f"has nobody on call now; its first turn begins {begins}"
                )
            )
    return issues


def _unreachable_people(routing: Routing) -> list[ConfigIssue]:
    config = routing.config
    asked: dict[str, list[str]] = {}
    for name, level in config.severity.levels.items():
        for kind in level.via:
            asked.setdefault(kind, []).append(name)
    pageable = {member for rotation in config.rotations.values() for member in rotation.members}
    pageable |= {override.person for override in config.overrides}
    issues = []
    for person in (p for p in config.people if p in pageable):
        for kind, levels in asked.items():
            if routing.reachable_kind(person, kind) is None:
                chain = " → ".join(routing.fallback_chain(kind))
                issues.append(
                    warning(
                        ("people", person),
                        f"cannot be reached by {kind} ({', '.join(levels)} page by it)"
                        f" and has no address along its fallback {chain}",
                    )
                )
    return issues


def _escalation_chains(routing: Routing) -> list[ConfigIssue]:
    config = routing.config
    chains: list[tuple[Path, str, list[str]]] = [  # type: ignore[assignment]
        (("roles", name, "escalate_to"), role.rotation, role.escalate_to)
        for name, role in config.roles.items()
    ] + [
        (("services", name, "escalate_to"), service.smes, service.escalate_to)
        for name, service in config.services.items()
    ]
    issues = []
    for path, own, targets in chains:
        seen = [own]
        for index, target in enumerate(targets):
            if target in seen:
                issues.append(
                    warning(
                        (*path, index),
                        f"loops back to rotation {target!r}, already paged earlier in this chain",
                    )
                )
            seen.append(target)
            rotation = routing.rotations[target]
            if not rotation.members and not rotation.overrides:
                issues.append(
                    warning((*path, index), f"ends nowhere: rotation {target!r} has no members")
                )
    return issues


def _silent_levels(routing: Routing, now: datetime) -> list[ConfigIssue]:
    config = routing.config
    services = [*config.services, UNKNOWN_SERVICE]
    issues = []
    for name, level in config.severity.levels.items():
        severity = Severity(name=name, level=level, rank=config.level_order.index(name))
        services_to_check = services if SME in level.page else services[:1]
        for service in services_to_check:
            incident = Incident(id="lint", title="lint", impact="", urgency="", services=(service,))
            plan = build_page_plan(routing, incident, now, severity=severity)
            if not plan.pages:
                what = "an unknown service" if service == UNKNOWN_SERVICE else service
                issues.append(
                    warning(
                        ("severity", "levels", name),
                        f"pages nobody for {what} at {now.isoformat()}",
                    )
                )
    return issues


def _unused_levels(routing: Routing) -> list[ConfigIssue]:
    used = {level for row in routing.config.severity.matrix.values() for level in row.values()}
    return [
        warning(("severity", "levels", name), "is never chosen by the matrix")
        for name in routing.config.severity.levels
        if name not in used
    ]


def _overlapping_overrides(routing: Routing) -> list[ConfigIssue]:
    issues = []
    for name, rotation in routing.rotations.items():
        windows = rotation.overrides
        for earlier, later in pairwise(windows):
            if later.starts < earlier.until:
                issues.append(
                    warning(
                        ("overrides", max(earlier.position, later.position)),
                        f"overlaps another override of rotation {name!r}; the one "
                        "listed later wins",
                    )
                )
    return issues
