"""Dead letters: whatever the worker cannot take is kept with why, once, for ops to replay or
discard.

Two families. A message muster's handler refused (kind ``invalid``: the contract, the config, an
unknown incident, an internal error) is kept as its single argument, and a replay sends that
argument again. A message refused before any handler ran (``undecodable``, ``unknown_task``,
``malformed``, ``bad_arguments``) is kept as a description of what arrived
(:func:`muster.worker.broker.arrival.describe`); a replay sends its task's arguments again as they
arrived, when they could be read at all. A file in the embedded broker's folders that is no
message (``foreign``) is kept as where its bytes are and a bounded copy; it is never replayed.
Discarding marks a letter rather than deleting it, so the record of what arrived outlives the
decision not to replay it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster.worker.broker.arrival import MESSAGE_ID, TASK_NAME, printable, storable
from muster.worker.incidents.records import consume
from muster.worker.observe import metrics
from muster.worker.runtime import Runtime
from muster.worker.store.dead_letter_kinds import DeadLetterKind
from muster.worker.store.models import DeadLetter

_PER_DELIVERY = ("properties", "delivery_info")


class NotReplayable(ValueError):
    """A dead letter that holds nothing a worker could take again (a pickle, undecodable bytes)."""


def dead_letter(
    rt: Runtime,
    task: str,
    payload: Any,
    reason: str,
    message_id: str | None,
    kind: str = DeadLetterKind.INVALID,
) -> int:
    """Keep a message that cannot be handled, with why; the same message (its id and content)
    is kept once, and a different one under an id already used is kept too.

    Names and ids are made fit for their columns, and the payload for a JSON column, so keeping
    a letter never fails for what a producer put in it.
    """
    now = rt.clock.now()
    key = printable(message_id, MESSAGE_ID) if message_id else None
    name, stored = printable(task, TASK_NAME), storable(payload)
    content = content_key(name, kind, stored)
    try:
        with rt.database.transaction() as session:
            existing = _by_key(session, key, content)
            if existing is not None:
                return existing
            letter = DeadLetter(
                message_id=key,
                content_key=content,
                task=name,
                kind=kind,
                payload=stored,
                reason=printable(reason),
                received_at=now,
            )
            session.add(letter)
            consume(session, key, now)
            session.flush()
    except IntegrityError:
        with rt.database.transaction() as session:
            return _by_key(session, key, content) or 0
    metrics.dead_letter_kept(kind, reason)  # a new letter, committed (a redelivery is not)
    return letter.id


def content_key(task: str, kind: str, payload: Any) -> str:
    """What tells two messages under one id apart: a SHA-256 of the task name and the stored
    payload, less what a broker changes from one delivery of a message to the next (properties
    and delivery info, in the description of a message refused before any handler)."""
    if kind != DeadLetterKind.INVALID and isinstance(payload, dict):
        payload = {key: value for key, value in payload.items() if key not in _PER_DELIVERY}
    text = json.dumps([task, payload], sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _by_key(session: Session, key: str | None, content: str) -> int | None:
    if key is None:  # no id to know it by: a second copy cannot be told from a second message
        return None
    return session.scalar(
        select(DeadLetter.id).where(DeadLetter.message_id == key, DeadLetter.content_key == content)
    )


def replay_call(letter: DeadLetter) -> tuple[str, list[Any], dict[str, Any]]:
    """The task, positional and keyword arguments a replay of ``letter`` sends."""
    if letter.kind == DeadLetterKind.INVALID:  # the payload is the single argument
        return letter.task, [letter.payload], {}
    if letter.kind == DeadLetterKind.FOREIGN:
        kept = letter.payload.get("kept_at") if isinstance(letter.payload, dict) else None
        raise NotReplayable(
            f"dead letter #{letter.id} is a file the embedded broker could not read "
            f"({letter.reason}), not a message: there is nothing to send again. Its bytes are "
            f"kept in {kept or 'the broker folder'}; look at it, then discard the letter"
        )
    arrived = letter.payload if isinstance(letter.payload, dict) else {}
    args, kwargs = arrived.get("args"), arrived.get("kwargs")
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise NotReplayable(
            f"dead letter #{letter.id} ({letter.kind}) holds no arguments a worker could read: "
            "fix the producer and discard it"
        )
    headers = arrived.get("headers")
    name = headers.get("task") if isinstance(headers, dict) else None
    return (name if isinstance(name, str) and name else letter.task), args, kwargs


def mark_replayed(session: Session, letter_id: int, at: datetime) -> None:
    """Record that a letter was sent again (a replay that fails again is a new letter)."""
    letter = session.get(DeadLetter, letter_id)
    if letter is not None:
        letter.replayed_at = at


def discard(session: Session, letter_id: int, at: datetime) -> datetime | None:
    """Mark a letter discarded (kept, no longer listed): when it was discarded, which is ``at``
    unless it was discarded before; None if there is no such letter."""
    letter = session.get(DeadLetter, letter_id)
    if letter is None:
        return None
    if letter.discarded_at is None:
        letter.discarded_at = at
    return letter.discarded_at
