"""Silences as people read them: a line in ``muster silence list`` or ``muster route``, and the
JSON the CLI and ``GET /v1/silences`` answer with.

Author, reason and label values come from whoever added the silence: every line shows them
through :func:`~muster.worker.core.rendering.escaping.one_line` (no control, bidi or invisible
character reaches a terminal). JSON carries them as given (JSON escapes itself); the reader's
renderer escapes for its own format.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from muster.worker.core.config.maintenance import HoldScope
from muster.worker.core.decisions.silences import Silence
from muster.worker.core.rendering.escaping import one_line

REASON_SHOWN = 120  # characters of a reason on a line; the JSON has it whole


def silence_data(silence: Silence, now: datetime) -> dict[str, Any]:
    """One silence as plain JSON-ready data, its state at ``now``; instants in UTC."""
    return {
        "id": silence.id,
        "state": silence.state(now),
        "scope": scope_data(silence.scope),
        "starts_at": _iso(silence.starts),
        "ends_at": _iso(silence.ends),
        "expired_at": _iso(silence.expired_at) if silence.expired_at else None,
        "expired_by": silence.expired_by,
        "author": silence.author,
        "reason": silence.reason,
        "source": silence.source,
        "created_at": _iso(silence.created_at),
    }


def scope_data(scope: HoldScope) -> dict[str, Any]:
    """A scope's parts, only those given."""
    parts = scope.model_dump(mode="json")
    return {key: value for key, value in parts.items() if value}


def scope_text(scope: HoldScope) -> str:
    """``services search, payments-api; label env=prod; severities SEV3``, escaped."""
    parts = []
    if scope.services:
        parts.append("services " + ", ".join(scope.services))
    parts += [f"label {name}={value}" for name, value in scope.match.items()]
    parts += [f"label {name}=~{pattern}" for name, pattern in scope.match_re.items()]
    if scope.severities:
        parts.append("severities " + ", ".join(scope.severities))
    return one_line("; ".join(parts))


def silence_line(silence: Silence, now: datetime, zone: tzinfo) -> str:
    """``3f9c0a1b  active  Mon 2026-12-07 03:10 until 05:10 Europe/Dublin  services search
    by alice: reindex``."""
    starts = silence.starts.astimezone(zone)
    ends = silence.effective_end.astimezone(zone)
    until = ends.strftime("%H:%M" if ends.date() == starts.date() else "%a %Y-%m-%d %H:%M")
    state = silence.state(now)
    expired = ""
    if silence.expired_at is not None:
        expired = f" (by {one_line(silence.expired_by or '?', 40)})"
    return (
        f"{silence.id}  {state}{expired}  {starts:%a %Y-%m-%d %H:%M} until {until}"
        f" {getattr(zone, 'key', zone)}  {scope_text(silence.scope)}"
        f"  by {one_line(silence.author, 40)}: {one_line(silence.reason, REASON_SHOWN)}"
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
