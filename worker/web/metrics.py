"""The web process's metrics, in Prometheus' text format at ``/metrics`` (prometheus-client).

Counted where the outcome is decided: every request by route and status (the access log), every
message queued by caller and task, every refusal by caller and reason (``unauthorized``,
``invalid``, ``broker_unavailable``, ``too_large``), and how long queueing took.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter(
    "muster_web_requests", "HTTP requests answered, by route and status", ["route", "status"]
)
ACCEPTED = Counter(
    "muster_intake_accepted", "Contract messages queued on the broker", ["caller", "task"]
)
REFUSED = Counter("muster_intake_refused", "Requests refused, nothing queued", ["caller", "reason"])
QUEUEING = Histogram(
    "muster_intake_queue_seconds",
    "From a request's arrival to the broker having its message",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    """Every metric of this process, for Prometheus to scrape."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
