"""Celery's own test worker run in the test's process: how to stop it without waiting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state


def wake_to_stop(controller: Any) -> None:
    """Ask an in-process test worker to stop, and end its wait at once: Celery's test worker
    only sets the stop flag, which the worker checks between waits on its broker, ~10 s apart
    on an idle AMQP connection (its event loop) and 2 s on a polling transport (the embedded
    broker, drained for 2 s a cycle; kombu's poll calls ``cycle.fun`` for every queue it tries,
    so a ``fun`` that times out ends the cycle's poll now)."""
    worker_state.should_terminate = 0
    hub = getattr(controller, "hub", None)
    if hub is not None:
        hub.call_soon(lambda: None)
    connection = getattr(getattr(controller, "consumer", None), "connection", None)
    cycle = getattr(getattr(connection, "transport", None), "cycle", None)
    if cycle is not None and hasattr(cycle, "fun"):

        def stop_polling(*_: Any, **__: Any) -> None:
            raise TimeoutError("the test worker is stopping")

        cycle.fun = stop_polling


@contextmanager
def consuming(app: Celery) -> Iterator[None]:
    """Celery's own test worker on ``app`` in this process, one thread, stopped at once."""
    with start_worker(
        app,
        pool="threads",
        concurrency=1,
        perform_ping_check=False,
        shutdown_timeout=30,
        loglevel="WARNING",
    ) as controller:
        try:
            yield
        finally:
            wake_to_stop(controller)
