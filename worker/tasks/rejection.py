"""Keeping what a task cannot take: wrong arguments, refused messages, and the handlers' rejects.

Celery calls a task function with whatever arguments the message holds and, on a mismatch,
fails it with a ``TypeError`` and acknowledges it: the message is gone. muster's tasks take
``*args, **kwargs`` and check them here instead, so a call that does not fit is a dead letter
saying what was expected and what came. Keeping a dead letter is itself a database write, and
a database outage retries it like any other task's work rather than losing the message.
"""

from __future__ import annotations

from typing import Any

import structlog
from celery import Celery, Task
from sqlalchemy.exc import OperationalError

from muster.worker.broker.transport import MAX_COUNTDOWN
from muster.worker.incidents.dead_letters import dead_letter
from muster.worker.runtime import Runtime, runtime
from muster.worker.store.dead_letter_kinds import REFUSED, DeadLetterKind
from muster.worker.tasks.names import KEEP

log = structlog.get_logger("muster.tasks")


def reject(
    rt: Runtime,
    name: str,
    payload: Any,
    reason: str,
    message_id: str | None,
    kind: str = DeadLetterKind.INVALID,
) -> None:
    """Dead-letter a message with its reason, logged (values of the message are not logged)."""
    letter = dead_letter(rt, name, payload, reason, message_id, kind)
    log.error(
        "message.rejected",
        task=name,
        kind=kind,
        reason=reason,
        dead_letter_id=letter,
        message_id=message_id,
    )


def retry_after_outage(task: Task, outage: OperationalError) -> Exception:
    """Log a database outage and return the task's retry (at most MAX_COUNTDOWN away), forever."""
    retries = task.request.retries or 0
    log.error("database.unavailable", error=type(outage.orig).__name__, retry=retries)
    retry: Exception = task.retry(countdown=min(2**retries, MAX_COUNTDOWN), max_retries=None)
    return retry


def keep(
    task: Task,
    name: str,
    payload: Any,
    reason: str,
    kind: str = DeadLetterKind.INVALID,
    message_id: str | None = None,
) -> None:
    """Dead-letter what ``task`` was given (keyed by its own message id unless told another);
    a database outage retries the task, so the message is kept once the database is back."""
    try:
        reject(runtime(), name, payload, reason, message_id or str(task.request.id), kind)
    except OperationalError as outage:
        raise retry_after_outage(task, outage) from None


def fitting(
    task: Task, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], takes: int, what: str
) -> tuple[Any, ...] | None:
    """``args`` when the call fits a task that takes ``takes`` positional arguments (``what``
    says which) and no keywords; otherwise the call is dead-lettered and None returned."""
    if len(args) == takes and not kwargs:
        return args
    reason = f"{name} takes {what}, got {len(args)} positional and {len(kwargs)} keyword"
    keep(task, name, {"args": list(args), "kwargs": kwargs}, reason, DeadLetterKind.BAD_ARGUMENTS)
    return None


def keep_refused(task: Task, record: Any) -> None:
    """``muster.dead_letters.keep``: store what the consumer refused (see
    :mod:`muster.worker.broker.consumer`), keyed by the refused message's own id when it had
    one. A record not shaped as the consumer makes them is itself kept, as wrong arguments."""
    fields = {"kind": str, "reason": str, "task": str, "message_id": str | None}
    if not (
        isinstance(record, dict)
        and all(isinstance(record.get(key), kinds) for key, kinds in fields.items())
        and record["kind"] in REFUSED
    ):
        reason = f"{KEEP} takes a record of a refused message, got something else"
        keep(task, KEEP, {"args": [record], "kwargs": {}}, reason, DeadLetterKind.BAD_ARGUMENTS)
        return
    structlog.contextvars.bind_contextvars(message_id=record["message_id"], task=record["task"])
    try:
        keep(
            task,
            record["task"],
            record.get("payload"),
            record["reason"],
            record["kind"],
            record["message_id"],
        )
    finally:
        structlog.contextvars.clear_contextvars()


def register_keep(app: Celery) -> None:
    """Register ``muster.dead_letters.keep`` on ``app``."""

    @app.task(name=KEEP, bind=True, shared=False, max_retries=None)
    def keep_dead_letter(self: Task, *args: Any, **kwargs: Any) -> None:
        """Keep a message the consumer refused (muster's own: producers never send it)."""
        call = fitting(self, KEEP, args, kwargs, 1, "one record")
        if call is not None:
            keep_refused(self, call[0])
