"""The alerts section of a diff (``--alerts DIR``) as people and scripts read it: a line per alert
classified differently — where it came from, its name, what it was and what it becomes."""

from __future__ import annotations

from typing import Any

from muster.worker.core.checks.diff.alerts import AlertChange, Classified
from muster.worker.core.checks.diff.words import Words


def alert_lines(changes: tuple[AlertChange, ...], words: Words) -> list[str]:
    """``payments.json #0 HighLatency: SEV3 (minor × low) for api → SEV1 (major × high) for
    payments-api``."""
    return [
        f"{words.say(change.source)} #{change.index} {words.say(change.name)}:"
        f" {_shown(change.old, words)} → {_shown(change.new, words)}"
        for change in changes
    ]


def alert_data(change: AlertChange) -> dict[str, Any]:
    """One alert claim as JSON-ready data."""
    return {
        "file": change.source,
        "alert": change.index,
        "alertname": change.name,
        "old": _data(change.old),
        "new": _data(change.new),
    }


def _shown(classified: Classified, words: Words) -> str:
    if classified.refused is not None:
        return f"refused ({words.say(classified.refused)})"
    services = ", ".join(classified.services)
    return words.say(
        f"{classified.severity} ({classified.impact} × {classified.urgency}) for {services}"
    )


def _data(classified: Classified) -> dict[str, Any]:
    if classified.refused is not None:
        return {"refused": classified.refused}
    return {
        "severity": classified.severity,
        "impact": classified.impact,
        "urgency": classified.urgency,
        "services": list(classified.services),
    }
