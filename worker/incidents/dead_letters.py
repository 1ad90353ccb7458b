"""Dead letters: a message that cannot be handled is kept with why, once, for ops to replay."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from muster.worker.incidents.records import consume
from muster.worker.runtime import Runtime
from muster.worker.store.models import DeadLetter


def dead_letter(rt: Runtime, task: str, payload: Any, reason: str, message_id: str) -> int:
    """Keep a message that cannot be handled, with why; the same message is kept once."""
    now = rt.clock.now()
    try:
        with rt.database.transaction() as session:
            existing = session.scalar(select(DeadLetter).where(DeadLetter.message_id == message_id))
            if existing is not None:
                return existing.id
            letter = DeadLetter(
                message_id=message_id, task=task, payload=payload, reason=reason, received_at=now
            )
            session.add(letter)
            consume(session, message_id, now)
            session.flush()
            return letter.id
    except IntegrityError:
        with rt.database.transaction() as session:
            found = session.scalar(select(DeadLetter.id).where(DeadLetter.message_id == message_id))
            return int(found or 0)
