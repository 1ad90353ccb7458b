"""Closing the embedded broker's gap: messages fetched but never handled come back at start-up.

kombu's filesystem transport moves a message file out of the queue when a worker fetches it, so a
worker killed mid-task would lose it, ``acks_late`` or not. muster has the transport keep each
fetched file in a ``processed`` folder and records, in the database, every message whose handling
finished. At worker start-up :func:`recover` puts back into the queue every kept file whose message
never finished, and deletes the rest; the sweeper deletes finished ones as it goes. Tasks are
idempotent, so a message that finished but was not yet recorded runs again harmlessly.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from celery import Celery
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from muster.worker.broker import foreign
from muster.worker.broker.arrival import message_key, printable
from muster.worker.broker.foreign_letters import keep_foreign
from muster.worker.broker.transport import (
    broker_folder,
    is_embedded,
    processed_folder,
    queue_folder,
)
from muster.worker.core.paging.deliveries import DeliveryStatus
from muster.worker.runtime import Runtime
from muster.worker.store.models import ConsumedMessage, Delivery

log = structlog.get_logger("muster.embedded_broker")
KEEP_CONSUMED = timedelta(days=2)


def active(app: Celery) -> bool:
    """Whether ``app`` runs on the embedded filesystem broker."""
    return is_embedded(str(app.conf.broker_url or ""))


def mark_consumed(rt: Runtime, message_id: str) -> None:
    """Record that handling ``message_id`` finished (committed, dead-lettered or retried)."""
    try:
        with rt.database.transaction() as session:
            if session.get(ConsumedMessage, message_id) is None:
                session.add(ConsumedMessage(message_id=message_id, at=rt.clock.now()))
    except IntegrityError:
        pass  # recorded by the handler's own transaction meanwhile


def message_id(path: Path) -> str | None:
    """The id inside a kept message file, if it can be read: the Celery task id, or for a message
    that is no Celery task the id a dead letter of it is kept by (so a refused message, once
    kept, is not put back at every start)."""
    try:
        envelope, _ = foreign.read(path)
    except FileNotFoundError:
        return None
    return _envelope_id(envelope)


def _envelope_id(envelope: Any) -> str | None:
    if not isinstance(envelope, dict):
        return None
    headers, properties = envelope.get("headers"), envelope.get("properties")
    return message_key(
        headers if isinstance(headers, dict) else {},
        properties if isinstance(properties, dict) else {},
    )


def recover(rt: Runtime) -> int:
    """Put back into the queue every kept message whose handling never finished; set aside, and
    keep as dead letters, the files there that are no message at all (never put back).

    The embedded broker serves one machine, so at start-up no other worker holds a delivery:
    leases left by a killed worker are released at once rather than waited out. A delivery that
    was sent just before the kill is sent again (at least once, never lost).
    """
    # Their leases are made to have lapsed, not the rows made pending again: a delivery task hands
    # its sends to the sending pool and is acknowledged, so no message comes back for them, and a
    # pending row waits MUSTER_REQUEUE_AFTER for its own message first. A lapsed lease is the
    # sweeper's at its next round (every second).
    with rt.database.transaction() as session:
        released = session.execute(
            update(Delivery)
            .where(Delivery.status == DeliveryStatus.SENDING)
            .values(lease_until=rt.clock.now() - rt.lease)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
    if released:
        log.warning("embedded_broker.leases_released", deliveries=released)
    restored = 0
    kept = _kept_messages(rt)
    consumed = _consumed(rt, [mid for _, mid in kept if mid])
    for path, found in kept:
        if found is not None and found in consumed:
            path.unlink(missing_ok=True)
            continue
        shutil.move(str(path), str(queue_folder(rt.settings) / path.name))
        restored += 1
    if restored:
        log.warning("embedded_broker.recovered", messages=restored)
    keep_foreign(rt)
    return restored


def prune(rt: Runtime) -> int:
    """Delete kept files of finished messages, and old consumed-message records; keep as dead
    letters the foreign files set aside (by the transport or here) since the last time."""
    removed = 0
    kept = _kept_messages(rt)
    consumed = _consumed(rt, [mid for _, mid in kept if mid])
    for path, found in kept:
        if found is not None and found in consumed:
            path.unlink(missing_ok=True)
            removed += 1
    with rt.database.transaction() as session:
        session.execute(
            delete(ConsumedMessage).where(ConsumedMessage.at < rt.clock.now() - KEEP_CONSUMED)
        )
    keep_foreign(rt)
    return removed


def _kept_messages(rt: Runtime) -> list[tuple[Path, str | None]]:
    """Each message file in the in-flight folder with its id; a foreign one is set aside."""
    broker = broker_folder(rt.settings)
    found: list[tuple[Path, str | None]] = []
    for path in sorted(processed_folder(rt.settings).glob("*.msg")):
        try:
            envelope, wrong = foreign.read(path)
        except FileNotFoundError:  # handled and deleted meanwhile
            continue
        if wrong is None:
            found.append((path, _envelope_id(envelope)))
        elif foreign.set_aside(path, broker) is not None:
            log.error("embedded_broker.foreign_file", file=printable(path.name), reason=wrong)
    return found


def _consumed(rt: Runtime, ids: list[str]) -> set[str]:
    found: set[str] = set()
    with rt.database.transaction() as session:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found |= set(
                session.scalars(
                    select(ConsumedMessage.message_id).where(ConsumedMessage.message_id.in_(chunk))
                )
            )
    return found
