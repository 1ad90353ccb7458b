"""No real alert is refused for its size: a webhook describing any number of alerts and services
becomes a declaration the contract takes, clipping and counting what does not fit."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.worker.core.checks.validation import validate_schema
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.intake.alerts import AlertWebhook, webhook_message
from muster.worker.messages import SERVICES_MAX, Declared, parse
from muster.worker.tasks.names import DECLARED
from tests.harness.configs import minimal_document


def outage_config(services: int = 0) -> RoutingConfig:
    """The minimal config with ``services`` more configured services, and intake defaults."""
    document = minimal_document()
    for n in range(services):
        document["services"][f"svc-{n}"] = {"smes": "api-oncall"}
    document["intake"] = {"defaults": {"impact": "major", "urgency": "high"}}
    parsed, issues = validate_schema(document)
    assert parsed is not None, issues
    return parsed


def firing(labels: list[dict[str, str]], **annotations: str) -> AlertWebhook:
    alerts = [
        {
            "status": "firing",
            "labels": one,
            "annotations": annotations,
            "startsAt": "2026-12-02T10:00:00Z",
            "fingerprint": f"{i:x}",
        }
        for i, one in enumerate(labels)
    ]
    group = {"groupKey": "{}:{}", "status": "firing", "alerts": alerts}
    return AlertWebhook.model_validate(group)


def declared(config: RoutingConfig, hook: AlertWebhook) -> Declared:
    message = webhook_message(config, hook, "alertmanager")
    parsed = parse(DECLARED, message.payload)
    assert isinstance(parsed, Declared)
    return parsed


def test_a_group_of_300_services_names_every_one() -> None:
    config = outage_config(300)
    labels = [{"alertname": "Down", "service": f"svc-{n % 300}"} for n in range(5000)]
    message = declared(config, firing(labels))
    assert len(message.services) == 300
    assert "5000 alerts firing" in message.summary


def test_more_than_10000_alerts_are_one_declaration() -> None:
    labels = [{"alertname": "Down", "service": "api", "pod": f"p{n}"} for n in range(10_001)]
    message = declared(outage_config(), firing(labels))
    assert message.services == ["api"]
    assert message.title == "Down (+10000 more)"


def test_a_group_key_of_any_length_is_one_fingerprint() -> None:
    """Alertmanager's group key holds the grouping labels' values, however long."""
    group = {"groupKey": '{}:{service="' + "x" * 20_000 + '"}', "status": "firing"}
    hook = AlertWebhook.model_validate({**group, "alerts": [{"status": "firing"}]})
    message = webhook_message(outage_config(), hook, "alertmanager")
    assert len(message.payload["fingerprint"]) < 64


def test_past_the_contracts_cap_configured_services_come_first_and_the_rest_are_counted() -> None:
    """Unknown services all route to the fallback service: naming the configured ones first
    keeps every SME paged; the summary says how many were not named."""
    config = outage_config(10)
    unknown = [{"service": f"unknown-{n}"} for n in range(SERVICES_MAX + 5)]
    known = [{"service": f"svc-{n}"} for n in range(10)]
    message = declared(config, firing([*unknown, *known]))
    assert len(message.services) == SERVICES_MAX
    assert message.services[:10] == [f"svc-{n}" for n in range(10)]
    assert message.summary.startswith("15 more services impacted than listed")


TEXT = st.text(max_size=300) | st.sampled_from(["", " ", "\n", "x" * 5000])
LABELS = st.dictionaries(
    st.sampled_from(["alertname", "service", "impact", "urgency", "team", "x" * 150]) | TEXT,
    TEXT,
    max_size=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(LABELS, min_size=1, max_size=30),
    st.dictionaries(st.sampled_from(["summary", "description", "runbook_url", "dashboard"]), TEXT),
)
def test_whatever_a_group_says_its_declaration_fits_the_contract(
    labels: list[dict[str, str]], annotations: dict[str, Any]
) -> None:
    """Long, blank or odd labels and annotations: clipped, never a refusal of the group."""
    declared(outage_config(), firing(labels, **annotations))
