"""The trivial Celery app ``delivery_bench.py`` measures a broker's floor with.

Floor B of the delivery benchmark: one task that does one HTTP GET, run by a real worker with the
settings muster's own app uses (threads pool, prefetch 1, late acks, JSON only, and for the
embedded broker muster's own transport, registered by importing :mod:`muster.worker.broker`,
with the very options of :func:`muster.worker.broker.transport.transport_options`), so the only
difference between this round trip and muster's first page is muster's own work.

The worker is started as ``celery -A bench.lib.ping_app worker`` with the repository on
``PYTHONPATH`` and the broker, queue and home in ``BENCH_BROKER_URL``, ``BENCH_QUEUE`` and
``MUSTER_HOME``.
"""

from __future__ import annotations

import os
import urllib.request

from celery import Celery

from muster.config.settings import Settings
from muster.worker.broker.transport import transport_options

PING = "bench.ping"


def make_ping_app(url: str, queue: str) -> Celery:
    """A Celery app on ``url`` sending to and consuming ``queue``, configured like muster's."""
    app = Celery("muster_bench_ping", broker=url)
    app.conf.update(
        broker_transport_options=transport_options(url, Settings()),
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=queue,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        enable_utc=True,
    )

    @app.task(name=PING)  # type: ignore[untyped-decorator]  # Celery is untyped
    def ping(target: str) -> None:
        """One GET to the bench's sink: the arrival is the end of the round trip."""
        if not target.startswith("http://127.0.0.1:"):
            raise ValueError("the ping task only talks to the bench's loopback sink")
        with urllib.request.urlopen(target, timeout=10) as response:  # noqa: S310 - checked above
            response.read()

    return app


# Only the worker subprocess (which sets BENCH_BROKER_URL) builds the app at import: the bench
# builds its own producer with make_ping_app, and must not create folders under ./var.
app: Celery | None = (
    make_ping_app(os.environ["BENCH_BROKER_URL"], os.environ.get("BENCH_QUEUE", PING))
    if "BENCH_BROKER_URL" in os.environ
    else None
)
