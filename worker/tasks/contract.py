"""The contract's Celery tasks: thin — decode, hand to a handler, enqueue follow-ups after the
commit (muster's own tasks, which these set going, are :mod:`muster.worker.tasks.own`).

Each contract message has a task of its own name. A message that breaks the contract or the
config is dead-lettered at once and never retried; a message about an incident not yet recorded
is retried a few times (the declaration may be a moment behind) before it is dead-lettered; a
database outage is retried until the database is back. Every task takes ``*args, **kwargs``
and checks them (:mod:`muster.worker.tasks.rejection`), so a call with the wrong arguments is a
dead letter rather than a ``TypeError`` Celery would drop the message for; what Celery refuses
before any task runs is kept by the worker's consumer (:mod:`muster.worker.broker.consumer`).
Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from celery import Celery, Task
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import IntegrityError, OperationalError

from muster.worker.broker.transport import MAX_COUNTDOWN
from muster.worker.heartbeats.received import handle_heartbeat
from muster.worker.incidents.acknowledged import handle_acknowledged
from muster.worker.incidents.declared import handle_declared
from muster.worker.incidents.first_page import FirstPage
from muster.worker.incidents.milestone import handle_milestone
from muster.worker.incidents.outcome import Outcome, UnknownIncident
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import Declared, InvalidMessage, parse
from muster.worker.runtime import Runtime, runtime
from muster.worker.tasks.names import (
    ACKNOWLEDGED,
    DECLARED,
    FAN_OUT,
    HEARTBEAT,
    MILESTONE,
    RESOLVED,
)
from muster.worker.tasks.own import Enqueuing, enqueue
from muster.worker.tasks.rejection import fitting, keep, retry_after_outage

log = structlog.get_logger("muster.tasks")

UNKNOWN_INCIDENT_RETRIES = 14  # 1 + 2 + 4 + 5 s × 11: about a minute

Handler = Callable[[Runtime, Any, str], Outcome]
HANDLERS: dict[str, Handler] = {
    DECLARED: handle_declared,
    MILESTONE: handle_milestone,
    ACKNOWLEDGED: handle_acknowledged,
    RESOLVED: handle_resolved,
    HEARTBEAT: handle_heartbeat,
}


def handle_message(task: Task, name: str, payload: Any) -> str | None:
    """Validate and handle one contract message; returns the incident id it concerned."""
    outcome = _handle(task, name, payload)
    if outcome is None:
        return None
    log.info(
        "message.handled",
        task=name,
        incident_id=outcome.incident_id,
        deliveries=len(outcome.deliveries),
        note=outcome.note or None,
    )
    enqueue(task.app, [d for d in outcome.deliveries if d not in outcome.first_page_ids])
    return outcome.incident_id


def _handle(task: Task, name: str, payload: Any) -> Outcome | None:
    """The handler's outcome, or None once a bad message is dead-lettered; retries raise."""
    rt = runtime()
    message_id = str(task.request.id)
    structlog.contextvars.bind_contextvars(message_id=message_id, task=name)
    try:
        message = parse(name, payload)
        structlog.contextvars.bind_contextvars(incident_id=getattr(message, "incident_id", None))
        if isinstance(message, Declared):

            def queue_fan_out(incident_id: str, declaration_id: str) -> None:
                task.app.send_task(FAN_OUT, args=[incident_id, declaration_id])

            first_page = FirstPage(rt, Enqueuing(task.app))
            return handle_declared(
                rt,
                message,
                message_id,
                send_first_page=first_page.start,
                queue_fan_out=queue_fan_out,
            )
        return HANDLERS[name](rt, message, message_id)
    except InvalidMessage as invalid:
        keep(task, name, payload, invalid.reason)
        return None
    except UnknownIncident as unknown:
        retries = task.request.retries or 0
        if retries < UNKNOWN_INCIDENT_RETRIES:
            log.warning(
                "message.unknown_incident.retrying", incident_id=str(unknown), retry=retries
            )
            raise task.retry(countdown=min(2**retries, MAX_COUNTDOWN), max_retries=None) from None
        keep(task, name, payload, f"unknown incident {unknown}")
        return None
    except IntegrityError:
        # Another worker committed the same keyed rows first: run again and find them there.
        log.info("message.concurrent_duplicate")
        raise task.retry(countdown=0.1, max_retries=None) from None
    except OperationalError as outage:
        raise retry_after_outage(task, outage) from None
    except BrokerError:
        # The broker went away after the handler's commit (queueing the fan-out or the pages):
        # the message is not bad, and what it decided is in the database, where the sweeper
        # finds the fan-out or the pending pages. It is redelivered or acknowledged, never kept.
        log.warning("message.broker_unavailable")
        raise
    except Exception as failure:
        log.exception("message.internal_error")
        keep(task, name, payload, f"internal error: {type(failure).__name__}")
        return None
    finally:
        structlog.contextvars.clear_contextvars()


def handle_call(task: Task, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """A contract task's call: its one payload argument handled, any other call dead-lettered."""
    call = fitting(task, name, args, kwargs, 1, "one payload argument")
    return None if call is None else handle_message(task, name, call[0])


def register_contract(app: Celery) -> None:
    """The tasks of the message contract, one per message."""

    @app.task(name=DECLARED, bind=True, shared=False, max_retries=None)
    def incident_declared(self: Task, *args: Any, **kwargs: Any) -> str | None:
        """An incident is declared: plan, store, page, broadcast."""
        return handle_call(self, DECLARED, args, kwargs)

    @app.task(name=MILESTONE, bind=True, shared=False, max_retries=None)
    def incident_milestone(self: Task, *args: Any, **kwargs: Any) -> str | None:
        """A milestone: timeline, its effect, pages it needs, broadcast."""
        return handle_call(self, MILESTONE, args, kwargs)

    @app.task(name=ACKNOWLEDGED, bind=True, shared=False, max_retries=None)
    def incident_acknowledged(self: Task, *args: Any, **kwargs: Any) -> str | None:
        """Someone took their page."""
        return handle_call(self, ACKNOWLEDGED, args, kwargs)

    @app.task(name=RESOLVED, bind=True, shared=False, max_retries=None)
    def incident_resolved(self: Task, *args: Any, **kwargs: Any) -> str | None:
        """The incident is over."""
        return handle_call(self, RESOLVED, args, kwargs)

    @app.task(name=HEARTBEAT, bind=True, shared=False, max_retries=None)
    def heartbeat(self: Task, *args: Any, **kwargs: Any) -> str | None:
        """A heartbeat monitor was heard from: its next miss moves on, its incident resolves."""
        return handle_call(self, HEARTBEAT, args, kwargs)
