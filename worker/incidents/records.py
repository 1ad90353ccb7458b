"""Rows every handler reads or writes the same way: the incident once fully declared, keyed
timeline entries, the record that a message was handled, closing an incident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.incidents.outcome import UnknownIncident
from muster.worker.store.models import ConsumedMessage, Incident, OpenFingerprint, TimelineEntry
from muster.worker.store.reads import find_incident


def declared_incident(session: Session, incident_id: str, lock: bool = False) -> Incident:
    """The incident (or the one it joined by fingerprint), once its declaration is fully
    recorded (retried until then: a milestone or a resolution must not act on an incident whose
    pages and timers are still being written).

    ``lock``: held ``FOR UPDATE`` (on PostgreSQL; SQLite's writer holds the database) and read
    afresh, for a change decided from what the row says (a redefinition, a join that makes the
    incident worse): two such changes then decide one after the other.
    """
    row = find_incident(session, incident_id)
    if row is not None and lock:
        row = lock_incident(session, row.id)
    if row is None or not row.fanned_out:
        raise UnknownIncident(incident_id)
    return row


def lock_incident(session: Session, incident_id: str) -> Incident | None:
    """The incident row, locked for this transaction and read afresh."""
    return session.get(Incident, incident_id, with_for_update=True, populate_existing=True)


def close(session: Session, row: Incident, at: datetime) -> None:
    """Mark the incident resolved at ``at`` and free its fingerprint for a new incident."""
    row.resolved_at = row.resolved_at or at
    if row.fingerprint:
        holder = session.get(OpenFingerprint, row.fingerprint)
        if holder is not None and holder.incident_id == row.id:
            session.delete(holder)


def recorded(session: Session, key: str) -> bool:
    """Whether a timeline entry with ``key`` exists: the message was handled already."""
    return session.scalar(select(TimelineEntry.id).where(TimelineEntry.key == key)) is not None


def consume(session: Session, message_id: str | None, now: datetime) -> None:
    """Record that ``message_id`` was handled, in the transaction that handled it."""
    if message_id is not None and session.get(ConsumedMessage, message_id) is None:
        session.add(ConsumedMessage(message_id=message_id, at=now))
