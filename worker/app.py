"""The Celery app: JSON only, late acknowledgement, one message at a time per worker slot.

``acks_late`` with ``task_reject_on_worker_lost`` and a prefetch of 1 means a worker killed
mid-task leaves its message to be delivered again; every task is idempotent, so the second run
changes nothing the first committed. Timers are rows in the database swept by beat, never
countdowns or ETAs held by the broker.
"""

from __future__ import annotations

import os

from celery import Celery

from muster.worker.broker import broker_url, embedded_scheme, transport_options
from muster.worker.tasks import register

DEFAULT_QUEUE = "muster"


def make_app(url: str | None = None, with_tasks: bool = True) -> Celery:
    """A Celery app for ``url`` (default: the configured broker).

    Producers pass ``with_tasks=False``: they send by task name and need none of the worker.
    """
    url = embedded_scheme(url or broker_url())
    app = Celery("muster", broker=url)
    app.conf.update(
        broker_transport_options=transport_options(url),
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=os.environ.get("MUSTER_QUEUE", DEFAULT_QUEUE),
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        enable_utc=True,
        timezone="UTC",
        beat_schedule={
            "sweep": {
                "task": "muster.sweep",
                "schedule": float(os.environ.get("MUSTER_SWEEP_EVERY", "15")),
            },
            "timers": {
                "task": "muster.timers.scan",
                "schedule": float(os.environ.get("MUSTER_SCAN_EVERY", "5")),
                # A scan is only worth running fresh: one stuck in a queue is skipped.
                "options": {"expires": float(os.environ.get("MUSTER_SCAN_EVERY", "5")) * 2},
            },
        },
        # The schedule is a fixed interval and every timer lives in the database: beat needs no
        # state of its own (the default shelve file is one more thing a crash can corrupt).
        beat_scheduler="celery.beat:Scheduler",
    )
    if with_tasks:
        register(app)
    return app


app = make_app()
