"""The heartbeat monitors section of a diff as people and scripts read it: a line per monitor
whose miss declares or pages differently, what it does now and what it did."""

from __future__ import annotations

from typing import Any

from muster.worker.core.checks.diff.heartbeats import HeartbeatChange, MissPage
from muster.worker.core.checks.diff.words import Words
from muster.worker.core.config.durations import format_duration


def heartbeat_lines(changes: tuple[HeartbeatChange, ...], words: Words) -> list[str]:
    """``heartbeat nightly-backup: a miss is SEV2 for api after 1d + 1m of silence, paging Cat
    (cat); was SEV3 for api …``."""
    return [
        f"heartbeat {words.say(change.name)}: {_shown(change.new, words)};"
        f" was {_shown(change.old, words)}"
        for change in changes
    ]


def heartbeat_data(change: HeartbeatChange) -> dict[str, Any]:
    """One monitor's claim as JSON-ready data."""
    return {"heartbeat": change.name, "old": _data(change.old), "new": _data(change.new)}


def _shown(miss: MissPage | None, words: Words) -> str:
    if miss is None:
        return "no such monitor"
    paged = ", ".join(words.who(person) for person in miss.paged) or "nobody"
    return (
        f"a miss is {words.say(miss.severity)} for {words.say(miss.service)} after"
        f" {format_duration(miss.every)} + {format_duration(miss.grace)} of silence, paging"
        f" {paged}"
    )


def _data(miss: MissPage | None) -> dict[str, Any] | None:
    if miss is None:
        return None
    return {
        "severity": miss.severity,
        "service": miss.service,
        "every_seconds": int(miss.every.total_seconds()),
        "grace_seconds": int(miss.grace.total_seconds()),
        "paged": list(miss.paged),
    }
