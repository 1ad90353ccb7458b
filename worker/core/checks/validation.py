"""Validating a routing document: field rules from the schema, then every cross-reference.

All errors are collected, never just the first: the schema reports every malformed field at once,
and the reference checks run on the raw document with defensive reads, so an unknown rotation in
``services`` is reported even while a duration in ``severity`` is also broken.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from muster.worker.core.checks.references import reference_issues, suggest
from muster.worker.core.checks.windows import window_errors
from muster.worker.core.config import model as m
from muster.worker.core.config.heartbeats import HeartbeatMonitor
from muster.worker.core.config.intake import AlertDefaults, AlertRule, Caller, Intake
from muster.worker.core.config.issues import ConfigIssue, Path, error
from muster.worker.core.config.limits import Limit, Limits
from muster.worker.core.config.maintenance import HoldScope, Maintenance, Window
from muster.worker.core.config.model import RoutingConfig


def validate_document(
    data: Any, written: Any = None
) -> tuple[RoutingConfig | None, list[ConfigIssue]]:
    """A config and no errors, or None and every error found, in document order.

    ``written`` is the document before ``${NAME}`` was filled in, where contact templates'
    placeholders are checked (a secret with braces in it is not a placeholder).
    """
    if not isinstance(data, dict):
        return None, [error((), "the config must be a YAML mapping (key: value) at the top level")]
    config, issues = validate_schema(data)
    issues = _unique(issues + reference_issues(data, written if written is not None else data))
    if config is not None and not issues:
        issues = window_errors(config)
    if issues:
        return None, issues
    return config, []


def validate_schema(data: dict[str, Any]) -> tuple[RoutingConfig | None, list[ConfigIssue]]:
    """The config if every field fits the schema, else each misfit worded for its writer."""
    try:
        return RoutingConfig.model_validate(data), []
    except ValidationError as invalid:
        return None, [_from_pydantic(detail, data) for detail in invalid.errors()]


def _from_pydantic(detail: Any, data: Any) -> ConfigIssue:
    path = _document_path(detail["loc"], data)
    message = str(detail["msg"]).removeprefix("Value error, ")
    if detail["type"] == "extra_forbidden" and path:
        key = str(path[-1])
        message = f"unknown key {key!r}"
        siblings = _allowed_keys(path[:-1])
        if siblings:
            message += suggest(key, siblings) or f" (allowed: {', '.join(sorted(siblings))})"
    elif detail["type"] == "missing" and path:
        message = f"required key {path[-1]!r} is missing"
        path = path[:-1]
    return error(path, message)


def _document_path(loc: tuple[Any, ...], data: Any) -> Path:
    """Pydantic's error location as a path in the document, without its internal type tags."""
    path: list[str | int] = []
    node = data
    for part in loc:
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if present:
            path.append(part)
            node = node[part]
        elif not _is_union_tag(part):
            path.append(part)  # a missing key or a model-level error: keep, but stop walking
            node = None
    return tuple(path)


def _is_union_tag(part: Any) -> bool:
    # pydantic adds the member type's name to the location of union errors (e.g. 'function-after').
    return isinstance(part, str) and ("[" in part or part.startswith(("function-", "lax-")))


def _allowed_keys(path: Path) -> list[str]:
    models: dict[Path, type[Any]] = {
        (): m.RoutingConfig,
        ("severity",): m.SeverityConfig,
        ("broadcasts",): m.Broadcasts,
        ("escalation",): m.EscalationPolicy,
        ("ack",): m.AckLinks,
        ("intake",): Intake,
        ("intake", "defaults"): AlertDefaults,
        ("limits",): Limits,
        ("limits", "default"): Limit,
        ("maintenance",): Maintenance,
    }
    shapes = {
        "levels": m.SeverityLevel,
        "roles": m.Role,
        "services": m.Service,
        "rotations": m.Rotation,
        "overrides": m.Override,
        "callers": Caller,
        "rules": AlertRule,
        "heartbeats": HeartbeatMonitor,
        "windows": Window,
    }
    model = models.get(path)
    if model is None and path[:1] == ("limits",) and len(path) in (3, 4):
        model = Limit  # limits.kinds.KIND, limits.people.PERSON.KIND
    if model is None and path[:2] == ("maintenance", "windows") and path[3:] == ("scope",):
        model = HoldScope
    if model is None and len(path) >= 2:
        model = shapes.get(str(path[-2]))
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _unique(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    seen: set[tuple[Path, str]] = set()
    result = []
    for issue in issues:
        if (issue.path, issue.message) not in seen:
            seen.add((issue.path, issue.message))
            result.append(issue)
    return result
