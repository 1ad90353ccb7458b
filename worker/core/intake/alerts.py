"""Alert webhooks (Prometheus Alertmanager's, Grafana alerting's) as contract messages.

One incident per alert group: the group key, hashed, is the incident's fingerprint, so a group
that keeps firing joins its open incident (paging nobody unless it got worse), and ``status:
resolved`` resolves whatever incident holds it. Each notification's declaration gets an id made
of the group and its firing alerts (each alert's fingerprint and start): Alertmanager's repeat
notification of the same alerts is then the same declaration again, a no-op, while alerts
joining or leaving make a new id, which joins the open incident as one timeline entry. An alert
firing again after a resolution starts anew (a new ``startsAt``), so its group declares a new
incident.

An incident is as bad as its worst alert: each firing alert gets an impact, an urgency and
services from its labels when they name configured values, else from the first matching
``intake.rules`` entry, else from ``intake.defaults``; the incident takes the highest impact,
the highest urgency and every service, and keeps them: a later notification that is worse
upgrades the open incident, one that is better lowers nothing
(:mod:`muster.worker.incidents.joined`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.intake.namespaces import ALERT_INCIDENT, ALERTS_FINGERPRINT
from muster.worker.messages import SERVICE_NAME_MAX, SERVICES_MAX, SUMMARY_MAX, TITLE_MAX

LABELS_MAX = 50
LABEL_VALUE_MAX = 1000
ALERTS_LISTED = 20  # in a declaration's summary; the rest are counted


class _Payload(BaseModel):
    """Webhook bodies carry more than muster reads (and grow with versions): extra keys pass.
    Only keys are cached: pydantic's default keeps the last 16,384 short strings parsed, label
    values included, which a storm of distinct alerts fills for nothing (1 MB of a web process,
    issue 19)."""

    model_config = ConfigDict(
        extra="ignore", populate_by_name=True, frozen=True, cache_strings="keys"
    )


class WebhookAlert(_Payload):
    """One alert of a notification, as both Alertmanager and Grafana send it."""

    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: AwareDatetime | None = Field(default=None, alias="startsAt")
    generator_url: str = Field(default="", alias="generatorURL")
    fingerprint: str = ""
    dashboard_url: str = Field(default="", alias="dashboardURL")
    panel_url: str = Field(default="", alias="panelURL")


class AlertWebhook(_Payload):
    """An Alertmanager webhook (``version`` 4) or Grafana alerting webhook (``version`` 1)."""

    version: str = "4"
    group_key: str = Field(alias="groupKey", min_length=1)  # hashed: any length fits
    status: Literal["firing", "resolved"]
    receiver: str = ""
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str = Field(default="", alias="externalURL")
    # No cap on the count: the bigger the outage, the more alerts; the web's webhook body limit
    # bounds it, and Alertmanager's ``max_alerts`` truncates (counted in ``truncatedAlerts``).
    alerts: list[WebhookAlert] = Field(min_length=1)
    truncated_alerts: int = Field(default=0, alias="truncatedAlerts")


class AlertRefused(ValueError):
    """A webhook muster cannot turn into an incident (an alert with no impact, say): the caller
    gets the reason, and nothing is queued."""


@dataclass(frozen=True)
class AlertMessage:
    """The contract message a notification becomes: its task, payload and incident id."""

    task: Literal["declared", "resolved"]
    payload: dict[str, Any]
    incident_id: str | None


def group_fingerprint(source: str, group_key: str) -> str:
    """The incident fingerprint of an alert group of a caller (group keys can be long)."""
    digest = hashlib.sha256(f"{source}\n{group_key}".encode()).hexdigest()[:32]
    return f"{ALERTS_FINGERPRINT}{source}:{digest}"


def webhook_message(config: RoutingConfig, hook: AlertWebhook, source: str) -> AlertMessage:
    """The declaration (firing) or resolution (resolved) a notification from ``source`` means."""
    fingerprint = group_fingerprint(source, hook.group_key)
    if hook.status == "resolved":
        return AlertMessage("resolved", {"fingerprint": fingerprint}, None)
    firing = [alert for alert in hook.alerts if alert.status == "firing"] or hook.alerts
    impacts, urgencies, services = [], [], []
    known: dict[tuple[str, ...], tuple[str, str, list[str]]] = {}
    names = config.intake.classified_by
    for alert in firing:
        labels = alert.labels
        alike = tuple([labels.get(name, "") for name in names])
        found = known.get(alike)
        if found is None:
            found = known[alike] = classify(config, labels)
        impact, urgency, named = found
        impacts.append(impact)
        urgencies.append(urgency)
        services += named
    severity = config.severity
    incident_id = declaration_id(fingerprint, firing)
    named, unlisted = impacted(config, services)
    payload: dict[str, Any] = {
        "incident_id": incident_id,
        "fingerprint": fingerprint,
        "title": _clip(title(hook, firing), TITLE_MAX),
        "summary": _clip(summary(hook, firing, unlisted), SUMMARY_MAX),
        "impact": min(impacts, key=severity.impacts.index),
        "urgency": min(urgencies, key=severity.urgencies.index),
        "services": named,
        "source": source,
        "links": links(hook, firing),
        "labels": _labels(hook.common_labels or firing[0].labels),
    }
    starts = [alert.starts_at for alert in firing if alert.starts_at is not None]
    if starts:
        payload["declared_at"] = min(starts).isoformat()
    return AlertMessage("declared", payload, incident_id)


def classify(config: RoutingConfig, labels: dict[str, str]) -> tuple[str, str, list[str]]:
    """An alert's impact, urgency and services: its labels, else the first matching rule, else
    the defaults (and the fallback service for services); :class:`AlertRefused` if any is
    still missing."""
    intake, severity = config.intake, config.severity
    impact = labels.get("impact") if labels.get("impact") in severity.impacts else None
    urgency = labels.get("urgency") if labels.get("urgency") in severity.urgencies else None
    service = _clip(labels.get("service", "").strip(), SERVICE_NAME_MAX)
    services = [service] if service else []
    for rule in intake.rules:
        if rule.matches(labels):
            impact = impact or rule.impact
            urgency = urgency or rule.urgency
            services = services or list(rule.services)
            break
    impact = impact or intake.defaults.impact
    urgency = urgency or intake.defaults.urgency
    services = services or list(intake.defaults.services)
    if not services and config.fallback_service:
        services = [config.fallback_service]
    name = labels.get("alertname", "an alert")
    if impact is None or urgency is None:
        missing = " and ".join(
            what for what, value in (("impact", impact), ("urgency", urgency)) if value is None
        )
        raise AlertRefused(
            f"{name}: no {missing}: give the alert impact/urgency labels naming configured "
            "levels, or add intake.rules or intake.defaults to the routing config"
        )
    if not services:
        raise AlertRefused(
            f"{name}: no service: give it a service label, or set intake.defaults.services "
            "or fallback_service"
        )
    return impact, urgency, services


def impacted(config: RoutingConfig, services: list[str]) -> tuple[list[str], int]:
    """The services a declaration names (each once, the configured ones first: they page their
    SMEs, while every unknown one routes to the fallback service) up to the contract's cap, and
    how many more were left out (the summary counts them: an outage is never refused for its
    size)."""
    unique = list(dict.fromkeys(services))
    known = [name for name in unique if name in config.services]
    ordered = known + [name for name in unique if name not in config.services]
    return ordered[:SERVICES_MAX], max(len(ordered) - SERVICES_MAX, 0)


def declaration_id(fingerprint: str, firing: list[WebhookAlert]) -> str:
    """The same for a repeat of the same firing alerts; new when one joins, leaves or restarts."""
    alerts = sorted(
        (alert.fingerprint or str(sorted(alert.labels.items()))) + "@" + str(alert.starts_at)
        for alert in firing
    )
    digest = hashlib.sha256("\n".join([fingerprint, *alerts]).encode()).hexdigest()[:16]
    return f"{ALERT_INCIDENT}{digest}"


def title(hook: AlertWebhook, firing: list[WebhookAlert]) -> str:
    """The first alert's ``summary`` annotation, or its alert name; how many more fire."""
    first = firing[0]
    candidates = (
        hook.common_annotations.get("summary", ""),
        first.annotations.get("summary", ""),
        first.labels.get("alertname", ""),
    )
    text = next((found.strip() for found in candidates if found.strip()), "Alert")
    more = len(firing) - 1 + hook.truncated_alerts
    return f"{text} (+{more} more)" if more else text


def summary(hook: AlertWebhook, firing: list[WebhookAlert], unlisted: int = 0) -> str:
    """The description, then one line per firing alert (the first few, then a count), and how
    many impacted services the declaration could not name."""
    description = hook.common_annotations.get("description") or firing[0].annotations.get(
        "description", ""
    )
    lines = [f"{unlisted} more services impacted than listed"] if unlisted else []
    lines += [description] if description else []
    count = len(firing) + hook.truncated_alerts
    lines.append(f"{count} alert{'s' if count != 1 else ''} firing:")
    for alert in firing[:ALERTS_LISTED]:
        name = alert.labels.get("alertname", "alert")
        rest = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()) if k != "alertname")
        lines.append(f"- {name} {{{rest}}}" if rest else f"- {name}")
    if count > ALERTS_LISTED:
        lines.append(f"- … and {count - ALERTS_LISTED} more")
    return "\n".join(lines)


def links(hook: AlertWebhook, firing: list[WebhookAlert]) -> dict[str, str]:
    """Runbook, dashboard, panel and the alert's source, from annotations and the webhook."""
    first = firing[0]
    found = {
        "runbook": first.annotations.get("runbook_url")
        or hook.common_annotations.get("runbook_url", ""),
        "dashboard": first.annotations.get("dashboard")
        or hook.common_annotations.get("dashboard")
        or first.dashboard_url,
        "panel": first.panel_url,
        "source": first.generator_url,
        "alerts": hook.external_url,
    }
    return {name: _clip(url.strip(), 2000) for name, url in found.items() if url.strip()}


def _labels(labels: dict[str, str]) -> dict[str, str]:
    return {
        _clip(name, 100): _clip(value, LABEL_VALUE_MAX)
        for name, value in sorted(labels.items())[:LABELS_MAX]
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
