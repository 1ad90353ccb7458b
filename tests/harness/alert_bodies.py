"""Alertmanager webhook bodies as Alertmanager sends them, for the web's tests and the end-to-end
outage: one alert, a group's notification, a big outage, and the intake rules that classify them.

Every field Alertmanager fills in is filled in (annotations, generator URL, fingerprint), so a
parser that only accepts the fields it reads would fail here, as it would on a real peer.
"""

from __future__ import annotations

from typing import Any

RULES: dict[str, Any] = {
    "rules": [
        {"match": {"severity": "page"}, "impact": "major", "urgency": "high"},
        {"match_re": {"team": "db|storage"}, "impact": "minor", "urgency": "low"},
    ],
    "defaults": {"impact": "minor", "urgency": "low", "services": ["api"]},
}
"""Intake rules (``intake_document(**RULES)``): ``severity=page`` is major × high, a db or storage
team's alert minor × low, anything else the defaults on the api service."""

OUTAGE_SERVICES = 300
"""How many services a big outage spans unless told: ``svc-0`` … ``svc-299``."""


def alert(
    name: str, status: str = "firing", starts: str = "2026-12-02T10:00:00Z", **labels: str
) -> dict[str, Any]:
    """One alert of ``name`` with ``labels``, firing since ``starts`` unless told."""
    return {
        "status": status,
        "labels": {"alertname": name, **labels},
        "annotations": {"summary": f"{name} is failing", "runbook_url": "https://rb.test/x"},
        "startsAt": starts,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.test/graph?g0.expr=up",
        "fingerprint": f"fp-{name}",
    }


def notification(
    *alerts: dict[str, Any], status: str = "firing", group: str = "g1"
) -> dict[str, Any]:
    """A notification of the group ``group`` holding ``alerts``."""
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{group}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "muster",
        "groupLabels": {"alertname": group},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.test",
        "alerts": list(alerts),
    }


def outage(alerts: int, services: int = OUTAGE_SERVICES) -> dict[str, Any]:
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
