"""The web process's metrics, in Prometheus' text format at ``/metrics`` (prometheus-client).

Counted where the outcome is decided: every request by route and status (the access log), every
message queued by caller and task, every refusal by caller and reason (``unauthorized``,
``invalid``, ``unknown_name``, ``unknown_incident``, ``broker_unavailable``, ``too_large``,
``scope``, ``acts_for``, ``bad_signature``, ``unknown_number``, ``unknown_code``, ``locked_out``,
``rate_limited``), every SMS reply lockout, and how long queueing took.

Under ``muster web --workers N`` a scrape reaches whichever process took the connection, and each
counted only what it served: counters jumped backwards between scrapes. So the processes share
their counts (prometheus-client's multiprocess mode): each writes its values to files in one
folder under ``$MUSTER_HOME``, emptied when the web starts (:mod:`muster.worker.web.shared_counts`),
and ``/metrics`` of any process answers the sum of all of them, a process that died included.
"""

from __future__ import annotations

import os
from multiprocessing import util

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from muster.worker.web.shared_counts import sharing

REQUESTS = Counter(
    "muster_web_requests", "HTTP requests answered, by route and status", ["route", "status"]
)
ACCEPTED = Counter(
    "muster_intake_accepted", "Contract messages queued on the broker", ["caller", "task"]
)
REFUSED = Counter("muster_intake_refused", "Requests refused, nothing queued", ["caller", "reason"])
LOCKOUTS = Counter(
    "muster_sms_reply_lockouts",
    "Phone numbers locked out of SMS replies after too many wrong codes",
    ["caller"],
)
QUEUEING = Histogram(
    "muster_intake_queue_seconds",
    "From a request's arrival to the broker having its message",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

router = APIRouter(tags=["health"])


def leave_when_exiting() -> None:
    """A process of the group says on its way out that it is gone (its counts stay, summed).

    A multiprocessing finalizer, not an ``atexit`` one: the group's processes are forked, and a
    forked process leaves by ``os._exit`` once its server returns, which runs multiprocessing's
    finalizers but no ``atexit`` function."""
    if sharing():
        util.Finalize(None, multiprocess.mark_process_dead, args=(os.getpid(),), exitpriority=0)


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    """Every metric of the web (all its processes, when there are several), for Prometheus."""
    registry = REGISTRY
    if sharing():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
