"""muster's own Celery tasks: a declaration's second commit, deliveries, and the beat's sweep,
timer scan and self-heartbeat -- the work the contract's messages set going.

Like the contract's tasks (:mod:`muster.worker.tasks.contract`) each takes ``*args, **kwargs``
and checks them, and each queues what it decided to send only after its commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from celery import Celery, Task
from sqlalchemy.exc import IntegrityError, OperationalError

from muster.worker.broker import recovery as embedded_broker
from muster.worker.deliveries.send import hand_over_batch
from muster.worker.deliveries.sweep import due_deliveries
from muster.worker.heartbeats.scan import scan_heartbeats
from muster.worker.holds.scan import scan_holds
from muster.worker.incidents.fan_out import complete_fan_outs, handle_fan_out
from muster.worker.incidents.outcome import UnknownIncident
from muster.worker.observe.self_heartbeat import send_self_heartbeat
from muster.worker.runtime import runtime
from muster.worker.tasks.names import DELIVER, FAN_OUT, SCAN, SELF_HEARTBEAT, SWEEP
from muster.worker.tasks.rejection import fitting, retry_after_outage
from muster.worker.timers.scan import scan as scan_due_timers

log = structlog.get_logger("muster.tasks")


def enqueue(app: Celery, deliveries: Iterable[int]) -> None:
    """Queue delivery tasks, a batch of ids each (called only after the rows are committed).

    Batches spread a large fan-out over every worker while costing one broker message per
    ``MUSTER_DELIVERY_BATCH`` deliveries; one producer serves the whole fan-out.
    """
    ids = list(deliveries)
    if not ids:
        return
    size = runtime().settings.delivery_batch
    with app.producer_or_acquire() as producer:
        for start in range(0, len(ids), size):
            app.send_task(DELIVER, args=[ids[start : start + size]], producer=producer)


@dataclass(frozen=True, slots=True)
class Enqueuing:
    """Queues follow-up deliveries on ``app``: what a send handed to the sending pool needs done
    once it is recorded (equal for one app, so the recorder records its sends together)."""

    app: Celery

    def __call__(self, deliveries: tuple[int, ...]) -> None:
        enqueue(self.app, deliveries)


def register_own(app: Celery) -> None:
    """muster's own tasks: the fan-out, deliveries and beat's (keeping refused messages is
    :func:`muster.worker.tasks.rejection.register_keep`'s)."""

    @app.task(name=FAN_OUT, bind=True, shared=False, max_retries=None)
    def fan_out(self: Task, *args: Any, **kwargs: Any) -> None:
        """A declaration's second commit: the rest of its pages, its timers and broadcasts."""
        call = fitting(self, FAN_OUT, args, kwargs, 2, "an incident id and a message id")
        if call is None:
            return
        incident_id, message_id = call
        try:
            outcome = handle_fan_out(runtime(), str(incident_id), str(message_id))
        except UnknownIncident:
            log.error("incident.fan_out_for_unknown_incident", incident_id=incident_id)
            return
        except IntegrityError:
            log.info("message.concurrent_duplicate")  # a redelivery or the sweeper got there first
            raise self.retry(countdown=0.1, max_retries=None) from None
        except OperationalError as outage:
            raise retry_after_outage(self, outage) from None
        enqueue(self.app, outcome.deliveries)

    @app.task(name=DELIVER, bind=True, shared=False, max_retries=None)
    def deliver(self: Task, *args: Any, **kwargs: Any) -> None:
        """Claim recorded pages and broadcasts (a batch of ids, or one) and hand them to the
        sending pool: the task ends once they are handed over, not sent (the pool bounds what
        is on the wire; the recorder records each and queues its fallback)."""
        call = fitting(self, DELIVER, args, kwargs, 1, "a list of delivery ids")
        if call is None:
            return
        delivery_ids = call[0]
        ids = [delivery_ids] if isinstance(delivery_ids, int) else delivery_ids
        if not isinstance(ids, list) or not all(type(i) is int for i in ids):
            log.error("delivery.bad_ids", given=type(delivery_ids).__name__)
            return
        try:
            hand_over_batch(runtime(), ids, Enqueuing(self.app))
        except OperationalError as outage:
            raise retry_after_outage(self, outage) from None

    @app.task(name=SWEEP, bind=True, shared=False, max_retries=None)
    def sweep(self: Task, *args: Any, **kwargs: Any) -> int:
        """Re-enqueue deliveries a crash left behind; tidy the embedded broker's kept messages."""
        if fitting(self, SWEEP, args, kwargs, 0, "no arguments") is None:
            return 0
        rt = runtime()
        rt.config.current()  # notice config edits (and report bad ones) even while idle
        due = due_deliveries(rt)
        if due:
            log.warning("sweep.requeued", deliveries=len(due))
        enqueue(self.app, due)
        enqueue(self.app, complete_fan_outs(rt))
        if embedded_broker.active(self.app):
            embedded_broker.prune(rt)
        return len(due)

    @app.task(name=SCAN, bind=True, shared=False, max_retries=None)
    def scan_timers(self: Task, *args: Any, **kwargs: Any) -> int:
        """Fire due escalations, summaries and reminders, and find missed heartbeats; queue what
        they decided to send."""
        if fitting(self, SCAN, args, kwargs, 0, "no arguments") is None:
            return 0
        return scan_everything(self.app)


def register_self_heartbeat(app: Celery) -> None:
    """``muster.self_heartbeat``: muster's own outbound heartbeat (the beat schedules it when
    ``MUSTER_SELF_HEARTBEAT_URL`` is set)."""

    @app.task(name=SELF_HEARTBEAT, bind=True, shared=False, max_retries=None)
    def self_heartbeat(self: Task, *args: Any, **kwargs: Any) -> str | None:
        """Ping the self-heartbeat URL if the database, a worker and a beat are healthy."""
        if fitting(self, SELF_HEARTBEAT, args, kwargs, 0, "no arguments") is None:
            return None
        rt = runtime()
        return send_self_heartbeat(rt.database, rt.settings)


def scan_everything(app: Celery) -> int:
    """The scan task's work: maintenance windows' pauses and releases (their digests go with
    the timers'), due timers, then heartbeat monitors; each one's pages queued once
    committed. A failing heartbeat scan is logged and left to the next scan. While the config
    file is rejected, each scan says so again (``config.serving_last_good``)."""
    runtime().config.remind()
    try:
        released = scan_holds(runtime())
    except Exception:  # the timers must go on; the next scan releases what this one could not
        log.exception("hold.scan_failed")
        released = []
    enqueue(app, released)
    deliveries = scan_due_timers(runtime())
    enqueue(app, deliveries)
    try:
        declared = scan_heartbeats(runtime())
    except Exception:  # the timers' pages are queued already; the next scan tries again
        log.exception("heartbeat.scan_failed")
        declared = []
    enqueue(app, declared)
    return len(released) + len(deliveries) + len(declared)
