"""A big outage is one big webhook: thousands of alerts over hundreds of services are accepted
(Alertmanager does not retry a 4xx: a refusal would be silence), and still queued as one
declaration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from muster.worker.web.metrics import REFUSED
from tests.harness.alert_bodies import OUTAGE_SERVICES, outage
from tests.harness.web_app import Web, intake_document


def outage_document() -> dict[str, Any]:
    """The intake test config with 300 services, each with the api's SMEs."""
    document = intake_document(defaults={"impact": "major", "urgency": "high"})
    for n in range(OUTAGE_SERVICES):
        document["services"][f"svc-{n}"] = {"smes": "api-oncall"}
    return document


def test_a_5000_alert_300_service_group_is_one_declaration_naming_every_service(
    make_web: Callable[..., Web],
) -> None:
    web = make_web(outage_document())
    answer = web.post("/v1/alertmanager", outage(5000))
    assert answer.status_code == 202, answer.text
    [(task, payload)] = web.publisher.sent
    assert task == "muster.incident.declared"
    assert sorted(payload["services"]) == sorted(f"svc-{n}" for n in range(OUTAGE_SERVICES))
    assert payload["title"] == "High error rate (+4999 more)"


def test_the_contract_routes_keep_their_own_smaller_body_limit(
    make_web: Callable[..., Web],
) -> None:
    web = make_web(outage_document(), max_body=2048)
    assert web.post("/v1/alertmanager", outage(20)).status_code == 202
    declaration = {"title": "x" * 3000, "impact": "major", "urgency": "high", "services": ["api"]}
    assert web.post("/v1/messages/declared", declaration).status_code == 413


def test_a_webhook_over_its_own_limit_is_still_413(make_web: Callable[..., Web]) -> None:
    web = make_web(outage_document(), max_webhook_body=100_000)
    refused_before = REFUSED.labels("", "too_large")._value.get()
    assert web.post("/v1/alertmanager", outage(1000)).status_code == 413
    assert web.publisher.sent == []
    assert REFUSED.labels("", "too_large")._value.get() > refused_before
