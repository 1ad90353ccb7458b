"""The Celery app: JSON only, late acknowledgement, one message at a time per worker slot.

``acks_late`` with ``task_reject_on_worker_lost`` and a prefetch of 1 means a worker killed
mid-task leaves its message to be delivered again; every task is idempotent, so the second run
changes nothing the first committed. Timers are rows in the database swept by beat, never
countdowns or ETAs held by the broker.
"""

from __future__ import annotations

from celery import Celery

from muster.config.settings import Settings
from muster.worker.broker.transport import broker_url, embedded_scheme, transport_options
from muster.worker.tasks.names import SCAN, SELF_HEARTBEAT, SWEEP


def make_app(url: str | None = None, settings: Settings | None = None) -> Celery:
    """A Celery app for ``url`` (default: the configured broker), with no tasks registered.

    Producers send by task name and need nothing more; the worker registers its tasks on the app
    it runs (:func:`muster.worker.tasks.registry.worker_app`). Built when called, never at import.
    """
    settings = settings or Settings()
    url = embedded_scheme(url or broker_url(settings))
    # No fix-ups: Celery's only one is Django's, which muster is not, and loading it imports the
    # worker's machinery into every producer (``muster declare``).
    app = Celery("muster", broker=url, fixups=[])
    app.conf.update(
        broker_transport_options=transport_options(url, settings),
        # A worker never gives up on its broker: it retries connecting forever, at start and
        # after a loss, and resumes by itself once the broker is back.
        broker_connection_retry_on_startup=True,
        broker_connection_retry=True,
        broker_connection_max_retries=None,
        # On a lost connection the broker redelivers every unacknowledged message (acks_late),
        # so the tasks still running are cancelled rather than finished twice; their deliveries'
        # leases and keys make the redelivered run pick up exactly what was left.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        # After a lost connection Celery lowers the prefetch count by the tasks still running and
        # raises it again as each finishes — from the pool thread that finished it, with a
        # ``basic.qos`` that reads its answer off the connection the event loop reads too. Under
        # muster's thread pool the two readers split the AMQP stream: the worker then waits for a
        # frame of a gigabyte, alive but consuming nothing, on RabbitMQ. Unacknowledged messages
        # wait at the broker whatever the prefetch, so keeping it whole costs nothing.
        worker_enable_prefetch_count_reduction=False,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.queue,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        enable_utc=True,
        timezone="UTC",
        beat_schedule={
            "sweep": {"task": SWEEP, "schedule": settings.sweep_every},
            "timers": {
                "task": SCAN,
                "schedule": settings.scan_every,
                # A scan is only worth running fresh: one stuck in a queue is skipped.
                "options": {"expires": settings.scan_every * 2},
            },
        },
        # The schedule is a fixed interval and every timer lives in the database: beat needs no
        # state of its own (the default shelve file is one more thing a crash can corrupt).
        # muster's subclass of Celery's in-memory scheduler counts ticks and keeps the beat's
        # liveness row (named, not imported: producers never load it).
        beat_scheduler="muster.worker.broker.beat:Scheduler",
    )
    if settings.self_heartbeat_url:
        app.conf.beat_schedule["self-heartbeat"] = {
            "task": SELF_HEARTBEAT,
            "schedule": settings.self_heartbeat_every,
            # A ping that waited in the queue says nothing about now: one stuck is skipped.
            "options": {"expires": settings.self_heartbeat_every},
        }
    return app
