"""The policy an edit changes: severity matrix cells, levels, paging limits and intake rules.

Each change is where it is in the config (a path, as errors name places) and its value before and
after as short text (None: not there on that side), so every format shows the same claims.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from muster.worker.core.config.durations import format_duration
from muster.worker.core.config.issues import Path
from muster.worker.core.config.limits import Limit
from muster.worker.core.config.model import RoutingConfig

LEVEL_FIELDS = ("page", "via", "ack_within", "summary_every", "customer_update_every")
"""A severity level's fields whose change changes who is paged, how, and how often."""


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """The value at ``path`` was ``old`` and is ``new`` (None: absent on that side)."""

    path: Path
    old: str | None
    new: str | None


def policy_changes(old: RoutingConfig, new: RoutingConfig) -> tuple[PolicyChange, ...]:
    """Every matrix cell, level field, limit and intake rule that differs between the sides."""
    return (
        *_matrix(old, new),
        *_levels(old, new),
        *_compared(("limits",), _limits(old), _limits(new)),
        *_compared(("intake", "rules"), _rules(old), _rules(new)),
    )


def _matrix(old: RoutingConfig, new: RoutingConfig) -> list[PolicyChange]:
    def cells(config: RoutingConfig) -> dict[tuple[str, ...], str]:
        return {
            (impact, urgency): level
            for impact, row in config.severity.matrix.items()
            for urgency, level in row.items()
        }

    return _compared(("severity", "matrix"), cells(old), cells(new))


def _levels(old: RoutingConfig, new: RoutingConfig) -> list[PolicyChange]:
    def fields(config: RoutingConfig) -> dict[tuple[str, ...], str]:
        return {
            (name, field): _shown(getattr(level, field))
            for name, level in config.severity.levels.items()
            for field in LEVEL_FIELDS
        }

    return _compared(("severity", "levels"), fields(old), fields(new))


def _limits(config: RoutingConfig) -> dict[tuple[str, ...], str]:
    limits = config.limits
    found: dict[tuple[str, ...], str] = {("default",): _shown(limits.default)}
    found |= {("kinds", kind): _shown(limit) for kind, limit in limits.kinds.items()}
    found |= {
        ("people", person, kind): _shown(limit)
        for person, kinds in limits.people.items()
        for kind, limit in kinds.items()
    }
    return found


def _rules(config: RoutingConfig) -> dict[tuple[int], str]:
    return {
        (index,): _shown(rule.model_dump(mode="json", exclude_defaults=True))
        for index, rule in enumerate(config.intake.rules)
    }


def _compared(where: Path, old: dict[Any, str], new: dict[Any, str]) -> list[PolicyChange]:
    keys = [*new, *(key for key in old if key not in new)]
    return [
        PolicyChange((*where, *key), old.get(key), new.get(key))
        for key in keys
        if old.get(key) != new.get(key)
    ]


def _shown(value: object) -> str:
    """A config value as short text: durations as written (``5m``), lists and mappings as
    compact JSON, a limit as ``5 per 15m``, nothing as ``none``."""
    if value is None:
        return "none"
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, Limit):
        return f"{value.max} per {format_duration(value.per)}"
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(", ", ": "))
    return str(value)
