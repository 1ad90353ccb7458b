"""The timer and timeline rows timers read and write."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.core.decisions.timer_state import PENDING
from muster.worker.store.models import Timer


def upsert(
    session: Session,
    incident_id: str,
    kind: str,
    key: str,
    due: datetime,
    data: dict[str, Any],
    now: datetime,
    fresh: bool = False,
) -> None:
    """Arm timer ``key`` (again) for ``due`` with ``data``.

    ``fresh``: a new incident, whose timers cannot exist yet; no lookup (and no flush) needed.
    """
    timer = None if fresh else session.scalar(select(Timer).where(Timer.key == key))
    if timer is None:
        session.add(
            Timer(
                incident_id=incident_id,
                kind=kind,
                key=key,
                due_at=due,
                state=PENDING,
                data=data,
                updated_at=now,
            )
        )
    else:
        timer.state, timer.due_at, timer.data, timer.updated_at = PENDING, due, data, now


def incident_timers(session: Session, incident_id: str) -> Iterable[Timer]:
    """Every timer of an incident, whatever its state."""
    return session.scalars(select(Timer).where(Timer.incident_id == incident_id))


def timer(session: Session, key: str) -> Timer | None:
    """The timer with ``key``, if armed once."""
    return session.scalar(select(Timer).where(Timer.key == key))
