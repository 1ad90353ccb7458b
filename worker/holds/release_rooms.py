"""The rooms' lines about releases, folded: a room told of more than a few releases of one hold
at once hears one line listing them (:func:`muster.worker.core.decisions.room_lines.folded_rooms`)
instead of one line per incident. A window that held a storm of 500 declarations ends as one
message in each room, not 500; each incident's timeline still records its own release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from muster.worker.core.decisions.room_lines import folded_rooms
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.keys import released_reason, released_room_key
from muster.worker.core.rendering.holds import render_released_together
from muster.worker.deliveries.rows import NewDelivery, broadcast_row


@dataclass(frozen=True)
class Release:
    """A held declaration paging now, as its rooms' line names it."""

    incident: Incident
    severity: str
    hold_kind: str
    hold_name: str

    @property
    def hold(self) -> str:
        return released_reason(self.hold_kind, self.hold_name)


def fold_room_lines(
    told: list[NewDelivery], releases: dict[str, Release], now: datetime
) -> list[NewDelivery]:
    """``told`` (each release's own room lines, unwritten: every one about an incident of
    ``releases``) with the lines of each folded room and hold replaced by one line about none
    of the incidents in particular."""
    lines = [(row, releases[row.incident_id or ""]) for row in told]
    folds = folded_rooms((release.incident.id, row.kind, release.hold) for row, release in lines)
    if not folds:
        return told
    together: dict[tuple[str, str], list[Release]] = {fold: [] for fold in folds}
    for row, release in lines:
        if (row.kind, release.hold) in folds:
            together[row.kind, release.hold].append(release)
    kept = [row for row, release in lines if (row.kind, release.hold) not in folds]
    for (room, hold), released in sorted(together.items()):
        kept.append(_one_line(room, hold, released, now))
    return kept


def _one_line(room: str, hold: str, released: list[Release], now: datetime) -> NewDelivery:
    """One room's line listing ``released`` (by severity, then id)."""
    released = sorted(released, key=lambda release: (release.severity, release.incident.id))
    first = min(released, key=lambda release: release.incident.id)
    message = render_released_together(
        [(release.incident, release.severity) for release in released],
        first.hold_kind,
        first.hold_name,
    )
    key = released_room_key(first.hold_kind, first.hold_name, room, first.incident.id)
    return broadcast_row(key, None, hold, room, message, now)
