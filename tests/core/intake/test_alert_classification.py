"""A webhook's incident is as bad as its worst alert, however its alerts are classified.

The intake classifies a group's alerts once per distinct combination of the labels that
classification reads (a storm's groups hold hundreds of alerts alike); these properties check
that this never changes the answer against classifying every alert on its own.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muster.worker.core.checks.validation import validate_schema
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.intake.alerts import AlertRefused, AlertWebhook, classify, webhook_message
from tests.harness.configs import minimal_document

VALUES = st.sampled_from(["", "page", "ticket", "db", "storage", "major", "minor", "high", "low"])
LABELS = st.dictionaries(
    st.sampled_from(["alertname", "severity", "team", "impact", "urgency", "service", "pod"]),
    VALUES,
    max_size=6,
)
RULES = st.lists(
    st.fixed_dictionaries(
        {
            "match": st.dictionaries(st.sampled_from(["severity", "team"]), VALUES, max_size=2),
            "impact": st.sampled_from(["major", "minor"]),
        },
        optional={"urgency": st.sampled_from(["high", "low"])},
    ).filter(lambda rule: rule["match"]),
    max_size=3,
)


def config(rules: list[dict[str, Any]], defaults: dict[str, Any]) -> RoutingConfig:
    document = minimal_document()
    document["intake"] = {"rules": rules, "defaults": defaults}
    parsed, issues = validate_schema(document)
    assert parsed is not None, issues
    return parsed


def hook(labels: list[dict[str, str]]) -> AlertWebhook:
    alerts = [
        {
            "status": "firing",
            "labels": one,
            "startsAt": "2026-12-02T10:00:00Z",
            "fingerprint": f"{i}",
        }
        for i, one in enumerate(labels)
    ]
    return AlertWebhook.model_validate({"groupKey": "{}:{}", "status": "firing", "alerts": alerts})


@settings(max_examples=200, deadline=None)
@given(
    rules=RULES,
    defaults=st.fixed_dictionaries({}, optional={"urgency": st.sampled_from(["high", "low"])}),
    labels=st.lists(LABELS, min_size=1, max_size=30),
)
def test_the_incident_is_the_worst_of_its_alerts_each_classified_alone(
    rules: list[dict[str, Any]], defaults: dict[str, Any], labels: list[dict[str, str]]
) -> None:
    routing = config(rules, defaults)
    refusals = [refusal(routing, one) for one in labels]
    first_refused = next((reason for reason in refusals if reason), None)
    if first_refused is not None:
        with pytest.raises(AlertRefused, match=re.escape(first_refused)):
            webhook_message(routing, hook(labels), "am")
        return
    each = [classify(routing, one) for one in labels]
    payload = webhook_message(routing, hook(labels), "am").payload
    impacts, urgencies = routing.severity.impacts, routing.severity.urgencies
    assert payload["impact"] == min((impact for impact, _, _ in each), key=impacts.index)
    assert payload["urgency"] == min((urgency for _, urgency, _ in each), key=urgencies.index)
    named = list(dict.fromkeys(s for _, _, each_named in each for s in each_named))
    configured = [service for service in named if service in routing.services]
    # Every service, once; the configured ones first (they page SMEs; the rest go to fallback).
    assert payload["services"] == configured + [s for s in named if s not in configured]


def refusal(routing: RoutingConfig, labels: dict[str, str]) -> str | None:
    """Why this alert alone is refused, or None."""
    try:
        classify(routing, labels)
    except AlertRefused as refused:
        return str(refused)
    return None
