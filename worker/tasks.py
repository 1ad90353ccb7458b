"""The contract's Celery tasks: thin — decode, hand to a handler, enqueue follow-ups after the
commit (muster's own tasks, which these set going, are :mod:`muster.worker.internal_tasks`).

Each contract message has a task of its own name. A message that breaks the contract or the
config is dead-lettered at once and never retried; a message about an incident not yet recorded
is retried a few times (the declaration may be a moment behind) before it is dead-lettered; a
database outage is retried until the database is back. Every task takes ``*args, **kwargs`` and
checks them (:mod:`muster.worker.rejection`), so a call with the wrong arguments is a dead letter
rather than a ``TypeError`` Celery would drop the message for; what Celery refuses before any
task runs is kept by the worker's consumer (:mod:`muster.worker.broker.consumer`). Nothing is
dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from celery import Celery, Task
from celery.signals import task_postrun, worker_process_init
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import IntegrityError, OperationalError

from muster.config.settings import Settings
from muster.worker.broker import recovery as embedded_broker
from muster.worker.broker.app import make_app
from muster.worker.broker.transport import MAX_COUNTDOWN
from muster.worker.heartbeats.received import handle_heartbeat
from muster.worker.incidents.acknowledged import handle_acknowledged
from muster.worker.incidents.declared import handle_declared
from muster.worker.incidents.first_page import FirstPage
from muster.worker.incidents.milestone import handle_milestone
from muster.worker.incidents.outcome import Outcome, UnknownIncident
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.internal_tasks import (
    FAN_OUT,
    Enqueuing,
    enqueue,
    register_own,
    register_self_heartbeat,
)
from muster.worker.messages import (
    ACKNOWLEDGED,
    DECLARED,
    HEARTBEAT,
    MILESTONE,
    RESOLVED,
    Declared,
    InvalidMessage,
    parse,
)
from muster.worker.rejection import fitting, keep, register_keep, retry_after_outage
from muster.worker.runtime import Runtime, install, runtime

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
    enqueue(task.app, [d for d in outcome.deliveries if d not in outcome.first_wave])
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
                rt, message, message_id, first_wave=first_page.start, queue_fan_out=queue_fan_out
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


def worker_app(settings: Settings | None = None) -> Celery:
    """The worker's Celery app: muster's app with every task registered (built when asked), and
    the consumer that keeps what Celery would drop before any task runs."""
    app = make_app(settings=settings)
    app.conf.worker_consumer = "muster.worker.broker.consumer:Consumer"
    register(app)
    return app


def register(app: Celery) -> None:
    """Register muster's tasks on ``app`` (each app — the worker's, a test's — gets its own).

    ``max_retries=None`` on every task: a database outage is retried until the database is back
    (Celery's default of three retries dropped a declaration after ~12 s of outage, and
    ``retry(max_retries=None)`` means "the task's default", not "no limit").
    """
    register_contract(app)
    register_own(app)
    register_keep(app)
    register_self_heartbeat(app)


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


@task_postrun.connect
def _mark_consumed(task_id: str | None = None, sender: Task | None = None, **_: Any) -> None:
    if task_id and sender is not None and embedded_broker.active(sender.app):
        embedded_broker.mark_consumed(runtime(), task_id)


@worker_process_init.connect
def _fresh_runtime(**_: Any) -> None:
    # A forked pool process must not share the parent's database connections.
    install(None)
