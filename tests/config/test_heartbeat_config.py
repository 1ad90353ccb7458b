"""The ``heartbeats`` section as ops write it: what loads, and every mistake reported at once at
its file, line and dotted path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from muster.config.loader import LoadedConfig
from muster.worker.core.config.issues import ConfigError, format_path
from tests.harness.configs import minimal_document


def with_heartbeats(monitors: dict[str, Any], **top: Any) -> dict[str, Any]:
    document = minimal_document()
    document["heartbeats"] = monitors
    document.update(top)
    return document


def errors(load_yaml: Callable[..., LoadedConfig], document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as raised:
        load_yaml(document)
    return {format_path(issue.path): issue.message for issue in raised.value.errors}


def test_a_monitor_loads_with_its_grace_defaulting_to_a_minute(
    load_yaml: Callable[..., LoadedConfig],
) -> None:
    document = with_heartbeats(
        {"backup": {"every": "1d", "impact": "minor", "urgency": "low", "service": "api"}}
    )
    monitor = load_yaml(document).routing.config.heartbeats["backup"]
    assert (monitor.every, monitor.grace) == (timedelta(days=1), timedelta(minutes=1))
    assert monitor.allowance == timedelta(days=1, minutes=1)


def test_without_a_service_the_fallback_service_takes_it(
    load_yaml: Callable[..., LoadedConfig],
) -> None:
    document = with_heartbeats({"watchdog": {"every": "1m", "impact": "major", "urgency": "high"}})
    assert load_yaml(document).routing.config.heartbeats["watchdog"].service is None


def test_every_cross_reference_is_checked_at_once(load_yaml: Callable[..., LoadedConfig]) -> None:
    document = with_heartbeats(
        {
            "backup": {"every": "1d", "impact": "majr", "urgency": "hihg", "service": "apii"},
            "watchdog": {"every": "1m", "impact": "major", "urgency": "high"},
        }
    )
    del document["fallback_service"]
    found = errors(load_yaml, document)
    assert found["heartbeats.backup.impact"] == "unknown impact 'majr' (did you mean 'major'?)"
    assert found["heartbeats.backup.urgency"] == "unknown urgency 'hihg' (did you mean 'high'?)"
    assert found["heartbeats.backup.service"] == "unknown service 'apii' (did you mean 'api'?)"
    assert found["heartbeats.watchdog"] == (
        "a heartbeat needs a service (or the config a fallback_service)"
    )


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("every", "0s", "is not a positive duration"),
        ("grace", "0m", "is not a positive duration"),
        ("every", 5, "has no unit"),
        ("every", "five minutes", "is not a duration"),
    ],
)
def test_every_and_grace_are_positive_durations(
    load_yaml: Callable[..., LoadedConfig], field: str, value: Any, says: str
) -> None:
    monitor = {"every": "5m", "impact": "major", "urgency": "high", field: value}
    found = errors(load_yaml, with_heartbeats({"backup": monitor}))
    assert says in found[f"heartbeats.backup.{field}"]


def test_required_and_unknown_keys(load_yaml: Callable[..., LoadedConfig]) -> None:
    found = errors(
        load_yaml, with_heartbeats({"backup": {"evry": "5m", "impact": "major", "urgency": "high"}})
    )
    assert found["heartbeats.backup"] == "required key 'every' is missing"
    assert found["heartbeats.backup.evry"] == "unknown key 'evry' (did you mean 'every'?)"


def test_an_error_names_its_line(load_yaml: Callable[..., LoadedConfig]) -> None:
    with pytest.raises(ConfigError) as raised:
        load_yaml(with_heartbeats({"backup": {"every": "5m", "impact": "nope", "urgency": "high"}}))
    [issue] = raised.value.errors
    assert issue.line is not None
    assert str(issue).endswith("heartbeats.backup.impact: unknown impact 'nope'")
