"""Alertmanager and Grafana webhooks: one incident per group; repeats page nobody; resolved
resolves; labels, rules and defaults decide impact, urgency and services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.harness.alert_bodies import RULES, alert, notification
from tests.harness.web_app import Web, intake_document


@pytest.fixture
def web(make_web: Callable[..., Web]) -> Web:
    return make_web(intake_document(**RULES))


def declared(web: Web) -> list[dict[str, Any]]:
    return [p for task, p in web.publisher.sent if task == "muster.incident.declared"]


class TestGroups:
    def test_a_firing_group_declares_one_incident(self, web: Web) -> None:
        answer = web.post("/v1/alertmanager", notification(alert("ApiDown", severity="page")))
        assert answer.status_code == 202
        [payload] = declared(web)
        assert answer.json()["incident_id"] == payload["incident_id"]
        assert payload["title"] == "ApiDown is failing"
        assert (payload["impact"], payload["urgency"]) == ("major", "high")
        assert payload["services"] == ["api"]
        assert payload["source"] == "alertmanager"
        assert payload["fingerprint"].startswith("alerts:alertmanager:")
        assert payload["links"]["runbook"] == "https://rb.test/x"
        assert payload["links"]["source"].startswith("http://prometheus.test/")
        assert payload["declared_at"].startswith("2026-12-02T10:00:00")

    def test_a_repeat_of_the_same_alerts_is_the_same_declaration(self, web: Web) -> None:
        """Alertmanager's repeat_interval resends the group: same id, so the worker's no-op."""
        web.post("/v1/alertmanager", notification(alert("ApiDown", severity="page")))
        web.post("/v1/alertmanager", notification(alert("ApiDown", severity="page")))
        first, again = declared(web)
        assert first["incident_id"] == again["incident_id"]

    def test_an_alert_joining_the_group_is_a_new_declaration_of_the_same_fingerprint(
        self, web: Web
    ) -> None:
        """A new id joins the open incident (one timeline entry); the fingerprint is the group."""
        web.post("/v1/alertmanager", notification(alert("ApiDown")))
        web.post("/v1/alertmanager", notification(alert("ApiDown"), alert("ApiSlow")))
        first, joined = declared(web)
        assert first["incident_id"] != joined["incident_id"]
        assert first["fingerprint"] == joined["fingerprint"]
        assert joined["title"] == "ApiDown is failing (+1 more)"
        assert "2 alerts firing" in joined["summary"]

    def test_the_same_alert_firing_again_later_is_a_new_incident(self, web: Web) -> None:
        web.post("/v1/alertmanager", notification(alert("ApiDown")))
        web.post("/v1/alertmanager", notification(alert("ApiDown", starts="2026-12-02T12:00:00Z")))
        first, later = declared(web)
        assert first["incident_id"] != later["incident_id"]

    def test_another_group_is_another_incident(self, web: Web) -> None:
        web.post("/v1/alertmanager", notification(alert("ApiDown"), group="g1"))
        web.post("/v1/alertmanager", notification(alert("ApiDown"), group="g2"))
        first, other = declared(web)
        assert first["fingerprint"] != other["fingerprint"]

    def test_a_resolved_group_resolves_its_incident_by_fingerprint(self, web: Web) -> None:
        web.post("/v1/alertmanager", notification(alert("ApiDown")))
        answer = web.post(
            "/v1/alertmanager", notification(alert("ApiDown", "resolved"), status="resolved")
        )
        assert answer.status_code == 202
        (_, first), (task, resolved) = web.publisher.sent
        assert task == "muster.incident.resolved"
        assert resolved == {"fingerprint": first["fingerprint"]}


class TestClassification:
    def test_labels_naming_configured_levels_win(self, web: Web) -> None:
        labels = {"impact": "minor", "urgency": "high", "service": "api", "severity": "page"}
        web.post("/v1/alertmanager", notification(alert("X", **labels)))
        [payload] = declared(web)
        assert (payload["impact"], payload["urgency"]) == ("minor", "high")

    def test_the_first_matching_rule_then_the_defaults(self, web: Web) -> None:
        web.post("/v1/alertmanager", notification(alert("Disk", team="storage")))
        web.post("/v1/alertmanager", notification(alert("Odd"), group="g2"))
        by_rule, by_default = declared(web)
        assert (by_rule["impact"], by_rule["urgency"]) == ("minor", "low")
        assert (by_default["impact"], by_default["urgency"]) == ("minor", "low")

    def test_the_incident_is_as_bad_as_its_worst_alert(self, web: Web) -> None:
        web.post(
            "/v1/alertmanager",
            notification(alert("Disk", team="db"), alert("ApiDown", severity="page")),
        )
        [payload] = declared(web)
        assert (payload["impact"], payload["urgency"]) == ("major", "high")

    def test_an_alert_nothing_classifies_is_422_with_the_fix(
        self, make_web: Callable[..., Web]
    ) -> None:
        web = make_web(intake_document())  # no rules, no defaults
        answer = web.post("/v1/alertmanager", notification(alert("Odd")))
        assert answer.status_code == 422
        assert "intake.rules" in answer.json()["detail"]
        assert web.publisher.sent == []

    def test_grafana_payloads_take_the_same_rules(self, web: Web) -> None:
        body = notification(alert("HighLatency", severity="page"))
        body.update({"version": "1", "orgId": 1, "state": "alerting", "title": "[FIRING:1]"})
        body["alerts"][0].update({"dashboardURL": "http://grafana.test/d/1", "values": {"A": 1}})
        answer = web.post("/v1/grafana", body)
        assert answer.status_code == 202
        [payload] = declared(web)
        assert payload["links"]["dashboard"] == "http://grafana.test/d/1"
        assert payload["impact"] == "major"

    def test_a_payload_that_is_no_webhook_is_422(self, web: Web) -> None:
        assert web.post("/v1/alertmanager", {"alerts": []}).status_code == 422
