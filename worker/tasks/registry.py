"""The worker's Celery app: every task of the boundary registered on it, and the worker-process
signals the tasks rely on (a forked pool process builds its own runtime; a task the embedded
broker delivered is marked consumed once it ran, in batches)."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.signals import task_postrun, worker_process_init

from muster.config.settings import Settings
from muster.worker.broker import consumed_marks
from muster.worker.broker import recovery as embedded_broker
from muster.worker.broker.app import make_app
from muster.worker.runtime import install, runtime
from muster.worker.tasks.contract import register_contract
from muster.worker.tasks.own import register_own, register_self_heartbeat
from muster.worker.tasks.rejection import register_keep
from muster.worker.tasks.shifts import register_shifts


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
    register_shifts(app)
    register_self_heartbeat(app)


@task_postrun.connect
def _mark_consumed(task_id: str | None = None, sender: Task | None = None, **_: Any) -> None:
    if task_id and sender is not None and embedded_broker.active(sender.app):
        consumed_marks.marks(runtime()).add(task_id)  # written in batches, off the task's thread


@worker_process_init.connect
def _fresh_runtime(**_: Any) -> None:
    # A forked pool process must not share the parent's database connections.
    install(None)
