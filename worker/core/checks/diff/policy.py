"""The policy an edit changes: severity matrix cells, levels, paging limits and intake rules.

Each change is where it is in the config (a path, as errors name places) and its value before and
after as short text (None: not there on that side), so every format shows the same claims.
"""

from __future__ import annotations

import json
from bisect import bisect_left
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
        *_rule_changes(old, new),
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


def _rule_changes(old: RoutingConfig, new: RoutingConfig) -> list[PolicyChange]:
    """Intake rules added, removed, changed or moved, each known by its matchers (its n-th rule
    of the same matchers, should two share them), not its position: a rule inserted at the top
    moves the others without changing them. A rule is moved when the order of the rules both
    sides have changes (first match wins, so that changes what alerts get); the fewest are named
    moved, the others keep their order."""
    was, now = _keyed(old), _keyed(new)
    changes = []
    for key in [*now, *(key for key in was if key not in now)]:
        before, after = was.get(key), now.get(key)
        if after is None and before is not None:
            changes.append(PolicyChange(("intake", "rules", before[0]), before[1], None))
        elif before is None and after is not None:
            changes.append(PolicyChange(("intake", "rules", after[0]), None, after[1]))
        elif before is not None and after is not None and before[1] != after[1]:
            changes.append(PolicyChange(("intake", "rules", after[0]), before[1], after[1]))
    both = [key for key in now if key in was]
    kept = _longest_in_order([was[key][0] for key in both])
    for key, position in zip(both, [was[key][0] for key in both], strict=True):
        if position not in kept:
            where = ("intake", "rules", now[key][0])
            changes.append(PolicyChange(where, f"position {position}", f"position {now[key][0]}"))
    return changes


def _keyed(config: RoutingConfig) -> dict[tuple[str, int], tuple[int, str]]:
    """Each rule by its matchers and how many rules of the same matchers come before it: its
    position and what it says."""
    found: dict[tuple[str, int], tuple[int, str]] = {}
    seen: dict[str, int] = {}
    for position, rule in enumerate(config.intake.rules):
        matchers = _shown({"match": rule.match, "match_re": rule.match_re})
        nth = seen[matchers] = seen.get(matchers, -1) + 1
        found[(matchers, nth)] = (
            position,
            _shown(rule.model_dump(mode="json", exclude_defaults=True)),
        )
    return found


def _longest_in_order(positions: list[int]) -> set[int]:
    """The longest run of ``positions`` (not necessarily adjacent) that keeps increasing: the
    rules that kept their order (patience sorting)."""
    tails: list[int] = []  # index into positions of the smallest tail of each length
    before: list[int | None] = []
    for index, position in enumerate(positions):
        length = bisect_left([positions[t] for t in tails], position)
        before.append(tails[length - 1] if length else None)
        if length == len(tails):
            tails.append(index)
        else:
            tails[length] = index
    kept: set[int] = set()
    at = tails[-1] if tails else None
    while at is not None:
        kept.add(positions[at])
        at = before[at]
    return kept


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
