"""``muster config diff --alerts``' core (``checks.diff.alerts``): real Alertmanager bodies
classified by each side's intake rules, and only the alerts classified differently listed — a
reordering of first-match rules, a rule's services changed, defaults removed (refused)."""

from __future__ import annotations

import copy
from typing import Any

from muster.worker.core.checks.diff.alerts import AlertChange, Classified, alert_changes
from muster.worker.core.intake.alerts import AlertWebhook
from tests.harness.alert_bodies import RULES, alert, notification
from tests.harness.config_edits import document_with, routing_of

DB_PAGE = alert("DiskFull", severity="page", team="db")
"""Matched by both rules: the first one listed wins."""
QUIET = alert("CertExpiring", team="web")
"""Matched by neither: the defaults."""


def with_rules(intake: dict[str, Any]) -> dict[str, Any]:
    document = document_with()
    document["intake"] = copy.deepcopy(intake)
    return document


def bodies(*alerts: dict[str, Any]) -> list[tuple[str, AlertWebhook]]:
    return [("storage.json", AlertWebhook.model_validate(notification(*alerts)))]


def changes(old: dict[str, Any], new: dict[str, Any], *alerts: dict[str, Any]) -> Any:
    return alert_changes(routing_of(old).config, routing_of(new).config, bodies(*alerts))


def test_reordered_rules_reclassify_the_alert_both_match_and_no_other() -> None:
    reordered = copy.deepcopy(RULES)
    reordered["rules"].reverse()
    assert changes(with_rules(RULES), with_rules(reordered), DB_PAGE, QUIET) == (
        AlertChange(
            "storage.json",
            0,
            "DiskFull",
            Classified("SEV1", "major", "high", ("api",)),
            Classified("SEV2", "minor", "low", ("api",)),
        ),
    )


def test_a_rule_that_names_a_service_moves_its_alerts_there() -> None:
    routed = copy.deepcopy(RULES)
    routed["rules"][1]["services"] = ["db"]
    new = with_rules(routed)
    new["services"]["db"] = {"smes": "api-oncall"}
    found = changes(with_rules(RULES), new, alert("Replication", team="storage"), QUIET)
    assert [(c.name, c.old.services, c.new.services) for c in found] == [
        ("Replication", ("api",), ("db",))
    ]


def test_an_alert_the_new_rules_cannot_classify_is_refused_with_the_reason() -> None:
    without_defaults = {"rules": RULES["rules"]}
    (change,) = changes(with_rules(RULES), with_rules(without_defaults), QUIET)
    assert change.old == Classified("SEV2", "minor", "low", ("api",))
    assert change.new.refused is not None
    assert change.new.refused.startswith("CertExpiring: no impact and urgency")


def test_alerts_alike_on_both_sides_are_not_listed() -> None:
    assert changes(with_rules(RULES), with_rules(RULES), DB_PAGE, QUIET) == ()


def test_a_grafana_body_is_classified_by_the_same_rules() -> None:
    body = notification(alert("HighLatency", severity="page", team="db"))
    body.update({"version": "1", "orgId": 1, "state": "alerting", "title": "[FIRING:1]"})
    body["alerts"][0].update({"dashboardURL": "http://grafana.test/d/1", "values": {"A": 1}})
    reordered = copy.deepcopy(RULES)
    reordered["rules"].reverse()
    found = alert_changes(
        routing_of(with_rules(RULES)).config,
        routing_of(with_rules(reordered)).config,
        [("grafana.json", AlertWebhook.model_validate(body))],
    )
    assert [(c.source, c.name, c.old.severity, c.new.severity) for c in found] == [
        ("grafana.json", "HighLatency", "SEV1", "SEV2")
    ]
