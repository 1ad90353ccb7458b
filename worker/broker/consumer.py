"""The worker's consumer: a message Celery would drop before muster's code runs is kept instead.

Celery refuses some messages before any task runs — a body it will not or cannot decode (pickle
or any content type but JSON, bytes that are not JSON), a task name no worker registered, a
message that is no task at all — and drops each with a log line that quotes the body, which may
hold a producer's secrets. Others it does not survive: a task message without an id, or with a
body not shaped ``[args, kwargs, options]``, raises in the consumer and the worker dies (on the
embedded broker again at every start, since the message is recovered). Here each of them is
handed back to the worker as a message of muster's own, ``muster.dead_letters.keep``, and only
then acknowledged: the pool keeps it as a dead letter with the database retries every task has,
and a crash in between queues it twice at most (one letter: dead letters are keyed by message
id and content), never loses it. The log says what was refused and why, never what it held.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import structlog
from celery import signals
from celery.utils.log import get_logger
from celery.worker.consumer import Consumer as CeleryConsumer
from kombu.exceptions import ContentDisallowed

from muster.worker.broker.arrival import (
    celery_call,
    describe,
    message_key,
    printable,
    task_name,
)
from muster.worker.store.dead_letter_kinds import DeadLetterKind
from muster.worker.tasks.names import KEEP

JSON = "application/json"  # the one content type muster's app accepts

log = structlog.get_logger("muster.consumer")
celery_log = get_logger(__name__)


@dataclass(frozen=True)
class Refusal:
    """Why a message is refused: its dead letter's kind and reason (no values of the message)."""

    kind: str  # undecodable | unknown_task | malformed
    reason: str


class Consumer(CeleryConsumer):
    """Celery's consumer, with every path that drops or chokes on a message keeping it instead."""

    def create_task_handler(self, *args: Any, **kwargs: Any) -> Any:
        """Celery's handler for task messages, behind a check of what it would choke on and a
        guard that refuses what still makes it raise (a broker's own errors still propagate:
        Celery reconnects on those)."""
        celery_handler = super().create_task_handler(*args, **kwargs)
        recoverable = (*self.connection_errors, *self.channel_errors)

        def on_task_received(message: Any) -> Any:
            refusal = self.check(message)
            if refusal is not None:
                self.refuse(message, refusal)
                signals.task_rejected.send(sender=self, message=message, exc=None)
                return None
            try:
                return celery_handler(message)
            except recoverable:
                raise
            except Exception as failure:  # noqa: BLE001 - whatever Celery chokes on is kept
                if message.acknowledged:
                    log.error("message.refused_after_ack", error=type(failure).__name__)
                    return None
                self.refuse(message, unreadable(failure))
                return None

        return on_task_received

    def check(self, message: Any) -> Refusal | None:
        """Why a message naming one of this worker's tasks cannot run, or None: Celery itself
        decides the rest (and refuses it through the handlers below)."""
        headers = message.headers
        if not isinstance(headers, dict) or "task" not in headers:
            return None
        name = headers["task"]
        if not isinstance(name, str):
            return Refusal(DeadLetterKind.MALFORMED, "the task name in its headers is not text")
        if name not in self.strategies:
            return None
        if not isinstance(headers.get("id"), str) or not headers["id"]:
            return Refusal(DeadLetterKind.MALFORMED, f"a {name} message without a task id")
        return check_body(name, message)

    def refuse(self, message: Any, refusal: Refusal, task: Any = None) -> None:
        """Queue ``message`` as a dead letter, then acknowledge it. If it cannot be queued (the
        broker is going away), it is left unacknowledged, for the broker to deliver again."""
        try:
            headers = _mapping(getattr(message, "headers", None))
            properties = _mapping(getattr(message, "properties", None))
            key = message_key(headers, properties)
            record = {
                "kind": refusal.kind,
                "reason": refusal.reason,
                "task": task_name({"task": task or headers.get("task")}),
                "message_id": key,
                "payload": describe(message, _arguments(message, refusal)),
            }
            self.app.send_task(KEEP, args=[record])
        except Exception as failure:  # noqa: BLE001 - never fatal, never acknowledged unkept
            log.error(
                "message.refused_not_kept",
                kind=refusal.kind,
                reason=refusal.reason,
                error=type(failure).__name__,
            )
            return
        log.warning(
            "message.refused",
            kind=refusal.kind,
            reason=refusal.reason,
            task=record["task"] or None,
            message_id=key,
        )
        if hasattr(message, "ack_log_error"):
            message.ack_log_error(celery_log, self.connection_errors)

    def on_decode_error(self, message: Any, exc: Exception) -> None:
        """A body kombu could not decode (also called for control messages)."""
        if not hasattr(message, "ack_log_error"):  # a transport's raw payload: nothing to settle
            log.error("message.undecodable_envelope", error=type(exc).__name__)
            return
        self.refuse(message, undecodable(message.content_type, exc))

    def on_unknown_message(self, body: Any, message: Any) -> None:
        """A message that names no task at all."""
        self.refuse(
            message, Refusal(DeadLetterKind.MALFORMED, "not a task message: it names no task")
        )
        signals.task_rejected.send(sender=self, message=message, exc=None)

    def on_unknown_task(self, body: Any, message: Any, exc: Exception) -> None:
        """A task this worker does not have (muster keeps no results, so none is marked)."""
        headers = message.headers if isinstance(message.headers, dict) else {}
        # Celery's KeyError holds the name, wherever the message put it (headers or body).
        name = exc.args[0] if isinstance(exc, KeyError) and exc.args else headers.get("task")
        shown = task_name({"task": name})
        self.refuse(
            message,
            Refusal(
                DeadLetterKind.UNKNOWN_TASK, f"unknown task {shown!r}: no muster task has that name"
            ),
            name,
        )
        signals.task_unknown.send(
            sender=self, message=message, exc=exc, name=name, id=headers.get("id")
        )

    def on_invalid_task(self, body: Any, message: Any, exc: Exception) -> None:
        """A task message Celery calls invalid (a bad ETA, arguments that are no list...)."""
        if isinstance(exc, ContentDisallowed):
            refusal = undecodable(message.content_type, exc)
        else:
            # Celery's text quotes the offending value (an ETA, say) after the problem: cut it.
            problem = re.sub(r"\s*'.*", "", str(exc)).rstrip(": ")
            refusal = Refusal(
                DeadLetterKind.MALFORMED, f"an invalid task message: {printable(problem, 200)}"
            )
        self.refuse(message, refusal)
        signals.task_rejected.send(sender=self, message=message, exc=exc)


def check_body(name: str, message: Any) -> Refusal | None:
    """Why the body of a message for task ``name`` cannot be run, or None (it decodes here once,
    and kombu keeps the result for Celery)."""
    if message.content_type != JSON:  # kombu passes some types through undecoded, unrefused
        return undecodable(message.content_type, None)
    try:
        body = message.decode()
    except Exception as failure:  # noqa: BLE001 - every decoding failure is a refusal
        return undecodable(message.content_type, failure)
    if celery_call(body) is None:
        return Refusal(
            DeadLetterKind.MALFORMED, f"a {name} message whose body is not [args, kwargs, {{}}]"
        )
    return None


def undecodable(content_type: Any, failure: Exception | None) -> Refusal:
    """Refusing a body: a content type muster does not take, or one that is not what it says."""
    shown = printable(str(content_type or "none"), 100)
    if failure is None or isinstance(failure, ContentDisallowed):
        return Refusal(
            DeadLetterKind.UNDECODABLE, f"content type {shown} refused: muster accepts JSON only"
        )
    cause = failure.args[0] if failure.args and isinstance(failure.args[0], Exception) else failure
    return Refusal(
        DeadLetterKind.UNDECODABLE, f"the body is not valid {shown} ({type(cause).__name__})"
    )


def unreadable(failure: Exception) -> Refusal:
    """Refusing a message Celery raised on while reading it as a task."""
    return Refusal(
        DeadLetterKind.MALFORMED, f"not readable as a task message ({type(failure).__name__})"
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _arguments(message: Any, refusal: Refusal) -> tuple[list[Any], dict[str, Any]] | None:
    """The task's arguments, when the body decodes as JSON (what a replay sends again)."""
    if refusal.kind == DeadLetterKind.UNDECODABLE or not hasattr(message, "decode"):
        return None
    try:
        return celery_call(message.decode())
    except Exception:  # noqa: BLE001 - a body that does not decode has no arguments to keep
        return None
