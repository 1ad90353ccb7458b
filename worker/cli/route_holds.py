"""What ``muster route`` says of holds: which maintenance window or silence would hold the page
at ``--at`` (issue 22: "visible").

Windows come from the config (:func:`muster.worker.core.decisions.windows.active_windows`);
silences from the worker's database when this host has one
(:func:`muster.worker.cli.silence_reads.read_silences`: the embedded SQLite file without
SQLAlchemy), and the answer says so when it could not read them. Both are matched by the one
core rule (:func:`muster.worker.core.decisions.holds.holding`) the worker decides by.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from muster.worker.core.decisions.holds import SILENCE, Hold, Subject, holding
from muster.worker.core.decisions.windows import active_windows
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.escaping import one_line

NOT_CHECKED = "silences not checked"


def holds_report(
    routing: Routing,
    services: Sequence[str],
    severity: str,
    labels: Mapping[str, str],
    at: datetime,
) -> dict[str, Any]:
    """The windows and silences that would hold an incident of these services, severity and
    labels at ``at`` (the soonest to end first), and why silences were not read, if they were
    not."""
    silences, note = _silence_holds(at)
    holds = [*active_windows(routing.config, at), *silences]
    held = holding(holds, Subject(tuple(services), severity, dict(labels)), at)
    return {
        "held_by": [
            {
                "kind": hold.kind,
                "name": hold.name,
                "reason": hold.reason,
                "starts": _iso(hold.starts),
                "ends": _iso(hold.ends),
            }
            for hold in held
        ],
        "silences_note": note,
    }


def hold_lines(report: dict[str, Any], zone: tzinfo) -> list[str]:
    """The report for a terminal: each hold (names and reasons escaped), or that none holds."""
    held = report["held_by"]
    note = report["silences_note"]
    if not held:
        what = "window" if note else "window or silence"
        return [f"held by no maintenance {what}" + (f" ({note})" if note else "")]
    lines = ["HELD: this page would go to nobody now; what is held pages when its hold ends:"]
    for hold in held:
        ends = datetime.fromisoformat(hold["ends"]).astimezone(zone)
        until = f"until {ends:%a %Y-%m-%d %H:%M}"
        reason = one_line(hold["reason"], 200)
        if hold["kind"] == SILENCE:  # its reason names it: "silence ID by AUTHOR: why"
            lines.append(f"  {reason} ({until})")
        else:
            lines.append(f"  {hold['kind']} {one_line(hold['name'], 100)} {until}: {reason}")
    if note:
        lines.append(f"  ({note})")
    return lines


def _silence_holds(at: datetime) -> tuple[list[Hold], str | None]:
    """The silences' holds, or none and why they could not be read."""
    from muster.config.settings import Settings
    from muster.worker.cli.failures import DatabaseUnavailable, explain
    from muster.worker.cli.silence_reads import read_silences

    try:
        return [silence.hold() for silence in read_silences(Settings(), at)], None
    except ValueError:
        return [], f"the MUSTER_* settings are invalid: {NOT_CHECKED}"
    except DatabaseUnavailable as missing:
        return [], f"{missing}: {NOT_CHECKED}"
    except Exception as failure:
        if explain(failure) is None:
            raise
        return [], f"the database could not be read ({type(failure).__name__}): {NOT_CHECKED}"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
