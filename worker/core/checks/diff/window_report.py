"""The maintenance windows section of a diff as people and scripts read it: each window's
occurrences added (+) or removed (−), then each stretch a severity's pages are newly held
("pages nobody") or released ("pages again"), its services named (the first few, the rest
counted)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muster.worker.core.checks.diff.windows import HoldChange, OccurrenceChange, WindowChanges
from muster.worker.core.checks.diff.words import Words
from muster.worker.core.rendering.listing import first, some
from muster.worker.core.rendering.oncall import iso


def window_lines(changes: WindowChanges, words: Words) -> list[str]:
    """A line per window whose occurrences change, then a line per held or released stretch."""
    occurrences: dict[str, list[OccurrenceChange]] = {}
    for change in changes.occurrences:
        occurrences.setdefault(change.name, []).append(change)
    lines = [
        f"window {words.say(name)} ({words.say(found[0].reason)}): "
        + "; ".join(
            f"{'+' if c.added else '−'}{words.span(c.starts, c.until)}"
            for c in sorted(found, key=lambda c: c.starts)
        )
        for name, found in occurrences.items()
    ]
    grouped: dict[tuple[str, datetime, datetime, bool, tuple[str, ...]], list[str]] = {}
    for hold in changes.holds:
        key = (hold.severity, hold.starts, hold.until, hold.held, hold.windows)
        grouped.setdefault(key, []).append(hold.service)
    for (severity, starts, until, held, windows), services in grouped.items():
        listed, more = first(services)
        named = words.say(", ".join(windows))
        what = f"pages nobody (window {named})" if held else f"pages again (no window {named})"
        lines.append(
            f"{words.say(severity)} for {words.say(some(listed, more))}:"
            f" {words.span(starts, until)} {what}"
        )
    return lines


def window_data(changes: WindowChanges) -> dict[str, Any]:
    """The section as JSON-ready data."""
    return {
        "occurrences": [
            {
                "window": c.name,
                "change": "added" if c.added else "removed",
                "from": iso(c.starts),
                "until": iso(c.until),
            }
            for c in changes.occurrences
        ],
        "held": [_hold_data(hold) for hold in changes.holds],
    }


def _hold_data(hold: HoldChange) -> dict[str, Any]:
    return {
        "severity": hold.severity,
        "service": hold.service,
        "from": iso(hold.starts),
        "until": iso(hold.until),
        "change": "held" if hold.held else "released",
        "windows": list(hold.windows),
    }
