"""Configs with maintenance windows, for the window tests: the minimal document plus windows."""

from __future__ import annotations

from typing import Any

from muster.worker.core.checks.validation import validate_document, validate_schema
from muster.worker.core.config.issues import format_path
from muster.worker.core.config.model import RoutingConfig
from tests.harness.configs import minimal_document


def windows_document(windows: dict[str, Any], timezone: str = "UTC") -> dict[str, Any]:
    """The minimal document in ``timezone``, with ``windows`` under ``maintenance``."""
    document = minimal_document()
    document["timezone"] = timezone
    document["maintenance"] = {"windows": windows}
    return document


def config_with(windows: dict[str, Any], timezone: str = "UTC") -> RoutingConfig:
    """A validated config holding ``windows``; fails the test on any error."""
    config, issues = validate_document(windows_document(windows, timezone))
    assert config is not None, [str(issue) for issue in issues]
    return config


def scheduled_config_with(windows: dict[str, Any], timezone: str = "UTC") -> RoutingConfig:
    """A config holding ``windows`` that fit the schema, not checked against each other or
    ``max_length``: occurrences are defined for windows the checks refuse too (a recurrence
    without a break), so the scheduling properties hold for any."""
    config, issues = validate_schema(windows_document(windows, timezone))
    assert config is not None, [str(issue) for issue in issues]
    return config


def issues_of(windows: dict[str, Any], timezone: str = "UTC") -> list[str]:
    """Every error, as ``path: message``, of a document holding ``windows``."""
    _, issues = validate_document(windows_document(windows, timezone))
    return [f"{format_path(issue.path)}: {issue.message}" for issue in issues]


def recurring(recurrence: str, duration: str, **fields: Any) -> dict[str, Any]:
    """A recurring window on the api service from 2026-01-04 03:00, with ``fields`` added."""
    return {
        "reason": "Recurring work",
        "scope": {"services": ["api"]},
        "start": "2026-01-04T03:00",
        "recurrence": recurrence,
        "duration": duration,
        **fields,
    }
