"""Writing the incident timeline: the one way every part of the worker adds an entry.

An entry is one row of ``timeline_entries``; :class:`NewEntry` spells its columns. A handler or a
timer adds its entries one at a time to its session (:func:`add_entry`); the hot paths that
record many at once (the sent pages of a batch, the pages held for a digest, a digest's
incidents) insert them in one statement (:func:`add_entries`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from muster.worker.store.models import TIMELINE, TimelineEntry


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A timeline entry to write. Callers own the key's uniqueness (a handler checks it was not
    recorded; a timer's step, slot or generation is unique under its row lock; a delivery's
    entry is keyed by its attempts), so there is no existence check when it is written."""

    incident_id: str
    key: str
    at: datetime
    kind: str
    actor: str | None = None
    text: str = ""
    data: dict[str, Any] | None = None

    def values(self) -> dict[str, Any]:
        """Its column values."""
        return {
            "incident_id": self.incident_id,
            "key": self.key,
            "at": self.at,
            "kind": self.kind,
            "actor": self.actor,
            "text": self.text,
            "data": self.data or {},
        }


def add_entry(
    session: Session,
    incident_id: str,
    key: str,
    at: datetime,
    kind: str,
    actor: str | None = None,
    text: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Add one timeline entry to the session (written at its flush)."""
    new = NewEntry(incident_id, key, at, kind, actor, text, data)
    session.add(TimelineEntry(**new.values()))


def add_entries(session: Session, entries: Sequence[NewEntry]) -> None:
    """Insert many entries in one statement, now."""
    if entries:
        session.execute(insert(TIMELINE), [new.values() for new in entries])
