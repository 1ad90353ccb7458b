"""Writing the incident timeline: the one way every part of the worker adds an entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from muster.worker.store.models import TimelineEntry


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
    """Add a timeline entry. Callers own the key's uniqueness (a handler checks it was not
    recorded; a timer's step, slot or generation is unique under its row lock), so there is no
    existence check here."""
    session.add(
        TimelineEntry(
            incident_id=incident_id,
            key=key,
            at=at,
            kind=kind,
            actor=actor,
            text=text,
            data=data or {},
        )
    )
