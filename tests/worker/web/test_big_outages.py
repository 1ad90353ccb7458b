"""A big outage is one big webhook: thousands of alerts over hundreds of services are accepted
(Alertmanager does not retry a 4xx: a refusal would be silence), and still queued as one
declaration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from muster.worker.web.metrics import REFUSED
from tests.harness.web_app import Web, intake_document

SERVICES = 300


def outage_document() -> dict[str, Any]:
    """The intake test config with 300 services, each with the api's SMEs."""
    document = intake_document(defaults={"impact": "major", "urgency": "high"})
    for n in range(SERVICES):
        document["services"][f"svc-{n}"] = {"smes": "api-oncall"}
    return document


def outage(alerts: int, services: int = SERVICES) -> dict[str, Any]:
    """An Alertmanager notification of ``alerts`` alerts over ``services`` services, each alert
    as Alertmanager sends it (labels, annotations, generator URL): about 630 bytes each."""
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "muster",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"},
        "commonAnnotations": {"summary": "High error rate"},
        "externalURL": "http://alertmanager.test",
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": "HighErrorRate",
                    "service": f"svc-{n % services}",
                    "instance": f"10.0.{n // 250}.{n % 250}:9100",
                    "job": "node",
                    "namespace": "prod",
                    "severity": "critical",
                    "pod": f"svc-{n % services}-7d9f8c6b5-{n:05d}",
                },
                "annotations": {
                    "summary": "High error rate",
                    "description": "Error rate above 5% for 5 minutes",
                    "runbook_url": "https://runbooks.test/high-error-rate",
                },
                "startsAt": "2026-12-02T10:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.test:9090/graph?g0.expr=rate%28http_requests"
                "_total%7Bstatus%3D~%225..%22%7D%5B5m%5D%29+%3E+0.05&g0.tab=1",
                "fingerprint": f"{n:016x}",
            }
            for n in range(alerts)
        ],
    }


def test_a_5000_alert_300_service_group_is_one_declaration_naming_every_service(
    make_web: Callable[..., Web],
) -> None:
    web = make_web(outage_document())
    answer = web.post("/v1/alertmanager", outage(5000))
    assert answer.status_code == 202, answer.text
    [(task, payload)] = web.publisher.sent
    assert task == "muster.incident.declared"
    assert sorted(payload["services"]) == sorted(f"svc-{n}" for n in range(SERVICES))
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
