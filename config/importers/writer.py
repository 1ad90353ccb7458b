"""The imported config as commented YAML, with muster's defaults for what the source lacks.

The source gives people, rotations, overrides, chains and routes; muster also wants a severity
matrix, standing roles, summaries and contact templates. Those are written as defaults the team
then edits, each with a comment saying so — pages go to a local outbox file until ``contacts``
holds real Apprise URLs, so a first ``muster route`` or ``make run`` pages nobody by surprise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from muster.config.importers.report import Report

KIND_ORDER = ("sms", "email", "chat")
IMPACTS = ("critical", "major", "minor", "internal")
URGENCIES = ("high", "medium", "low")
MATRIX = {
    "critical": {"high": "SEV1", "medium": "SEV1", "low": "SEV2"},
    "major": {"high": "SEV1", "medium": "SEV2", "low": "SEV3"},
    "minor": {"high": "SEV2", "medium": "SEV3", "low": "SEV4"},
    "internal": {"high": "SEV3", "medium": "SEV4", "low": "SEV4"},
}
SUMMARIES = {"SEV1": "15m", "SEV2": "15m", "SEV3": "1h", "SEV4": "4h"}


@dataclass
class Imported:
    """A source translated: the parts of the config it gave, and the report.

    ``document`` holds ``timezone``, ``services``, ``fallback_service``, ``rotations``,
    ``overrides``, ``people``, ``escalation``, ``rules`` and ``default_services``.
    """

    document: dict[str, Any]
    report: Report
    ack_within: str = "5m"
    rotation_names: dict[str, str] = field(default_factory=dict)  # source schedule → rotation
    person_names: dict[str, str] = field(default_factory=dict)  # a source's name for → person
    horizon: tuple[datetime, datetime] | None = None  # what expanded overrides cover

    @property
    def empty(self) -> bool:
        """Whether nothing to page came of the files: no service and no rotation."""
        return not (self.document["services"] or self.document["rotations"])


class _Dumper(yaml.SafeDumper):
    """Writes a repeated list out again rather than as an ``&anchor``: ops read this file."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _yaml(data: dict[str, Any]) -> str:
    """Top-level keys in block style, innermost lists and mappings on one line each."""
    return "".join(
        yaml.dump(
            {key: value},
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            width=100,
            default_flow_style=None if isinstance(value, dict | list) else False,
        )
        for key, value in data.items()
    )


VIA = {
    "SEV1": ("sms", "email", "chat"),
    "SEV2": ("sms", "chat"),
    "SEV3": ("chat", "email"),
    "SEV4": ("chat",),
}
"""How each severity pages, as in config/example.yaml: the loudest kinds for the worst."""


def _kinds(people: dict[str, dict[str, str]]) -> list[str]:
    present = {kind for person in people.values() for kind in person if kind != "name"}
    ordered = [kind for kind in KIND_ORDER if kind in present]
    return ordered + sorted(present - set(ordered)) or ["email"]


def _via(level: str, kinds: list[str]) -> list[str]:
    """The level's usual kinds that someone here has; every kind when none of them is."""
    return [kind for kind in VIA[level] if kind in kinds] or kinds


def render(imported: Imported, source: str) -> str:
    """The whole config file for ``imported``; it passes ``muster config check``."""
    doc = imported.document
    kinds = _kinds(doc["people"])
    levels = {
        level: {
            "page": ["sme"],
            "via": _via(level, kinds),
            "ack_within": imported.ack_within,
            "summary_every": SUMMARIES[level],
        }
        for level in SUMMARIES
    }
    severity = {
        "impacts": list(IMPACTS),
        "urgencies": list(URGENCIES),
        "matrix": MATRIX,
        "levels": levels,
    }
    contacts: dict[str, Any] = {kind: f"outbox://{kind}/{{{kind}}}" for kind in kinds}
    fallback = {kind: "email" for kind in kinds if kind != "email" and "email" in kinds}
    if fallback:
        contacts["fallback"] = fallback
    intake: dict[str, Any] = {"defaults": {"impact": "minor", "urgency": "low"}}
    if doc["rules"]:
        intake = {"rules": doc["rules"], **intake}
    if doc["default_services"]:
        intake["defaults"]["services"] = doc["default_services"]
    parts = [
        f"# Imported from {source} by `muster import`. Read the import report (each ⚠️ and ❌"
        " line)\n# before serving this file; `muster config check` and `muster route` try it.\n",
        _yaml({"version": 1, "timezone": doc["timezone"]}),
        "\n# muster's own, which the source lacks: impact × urgency → severity, and what each"
        "\n# severity pages. Every level pages the impacted services' experts (the chains);"
        "\n# ack_within is the chains' wait.\n",
        _yaml({"severity": severity}),
        "\n# Standing roles (incident commander, support lead, scribe) are muster's own: give each"
        "\n# a rotation, then add the role to the levels' page lists, e.g.\n"
        "# roles:\n#   incident_commander: {rotation: ROTATION, escalate_to: [ROTATION]}\n",
        "\n# Each escalation chain became a service: its first notify step the experts (smes),"
        "\n# the later ones its escalation.\n",
        _yaml({"services": doc["services"]}),
    ]
    if doc["fallback_service"]:
        parts.append(_yaml({"fallback_service": doc["fallback_service"]}))
    parts += [
        "\n# Each schedule became a rotation; what a rotation cannot say (layers, one-off"
        "\n# shifts) is written out as overrides, as are the schedule's own overrides.\n",
        _yaml({"rotations": doc["rotations"]}),
    ]
    if doc["overrides"]:
        parts.append(_yaml({"overrides": doc["overrides"]}))
    parts += [
        "\n",
        _yaml({"people": doc["people"]}),
        "\n# EDIT: pages go to a local file (var/outbox.jsonl) until these are real Apprise URLs,"
        '\n# e.g. sms: "twilio://${TWILIO_SID}:${TWILIO_TOKEN}@${TWILIO_FROM}/{sms}".\n',
        _yaml({"contacts": contacts}),
        "\n# The source's repeat: how often an exhausted chain is paged again from the top.\n",
        _yaml({"escalation": doc["escalation"]}),
        "\n# Routes that could be read as labels. Give each monitoring caller a token (intake."
        '\n# callers: grafana: {token: "${MUSTER_GRAFANA_TOKEN}", scopes: [alerts]}).\n',
        _yaml({"intake": intake}),
    ]
    return "".join(parts)
