"""Example alerts judged by both sides' intake rules (``muster config diff --alerts DIR``): each
alert of each webhook body (Alertmanager's or Grafana's, as the web intake takes them) classified
as :func:`~muster.worker.core.intake.alerts.classify` classifies it on each side — impact,
urgency, the severity the matrix makes of them, services — or refused, and the alerts classified
differently listed. The rules are first-match, so reordering them changes what an alert gets;
this is where a reviewer sees which alerts that moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.intake.alerts import AlertRefused, AlertWebhook, classify


@dataclass(frozen=True, slots=True)
class Classified:
    """What one side makes of an alert: a severity (from impact × urgency) and services, or
    the reason it refuses it."""

    severity: str | None = None
    impact: str | None = None
    urgency: str | None = None
    services: tuple[str, ...] = ()
    refused: str | None = None


@dataclass(frozen=True, slots=True)
class AlertChange:
    """Alert ``index`` (from 0) of the body in ``source``, named ``name``, is classified ``new``
    where it was ``old``."""

    source: str
    index: int
    name: str
    old: Classified
    new: Classified


def classified(config: RoutingConfig, labels: dict[str, str]) -> Classified:
    """What ``config``'s intake makes of an alert with ``labels``."""
    try:
        impact, urgency, services = classify(config, labels)
    except AlertRefused as refused:
        return Classified(refused=str(refused))
    severity = config.severity.matrix[impact][urgency]
    return Classified(severity, impact, urgency, tuple(services))


def alert_changes(
    old: RoutingConfig, new: RoutingConfig, bodies: Sequence[tuple[str, AlertWebhook]]
) -> tuple[AlertChange, ...]:
    """Every alert of ``bodies`` (each with where it came from) that the sides classify
    differently, in the order given."""
    changes = []
    for source, hook in bodies:
        for index, alert in enumerate(hook.alerts):
            was, now = classified(old, alert.labels), classified(new, alert.labels)
            if was != now:
                name = alert.labels.get("alertname", "an alert")
                changes.append(AlertChange(source, index, name, was, now))
    return tuple(changes)
