"""Queueing a contract message from a request: what can go wrong, as HTTP answers.

202 only once the broker has the message (a publisher confirm on RabbitMQ); a broker that cannot
be reached within the web's retry budget is 503 with ``Retry-After`` (Alertmanager and Grafana
retry it themselves); a payload the contract refuses is 422 with the reason. Nothing is
half-queued: one notification is one message. What was queued goes on the request's one log
line (:mod:`muster.worker.web.access_log`), not on a line of its own.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from fastapi import HTTPException, Request, status
from pydantic import BaseModel

from muster.worker.client import BrokerUnavailable
from muster.worker.messages import InvalidMessage
from muster.worker.web.auth import forget_signature
from muster.worker.web.metrics import ACCEPTED, QUEUEING, REFUSED

log = structlog.get_logger("muster.web")

RETRY_AFTER_SECONDS = 5


class Accepted(BaseModel):
    """A queued message: the incident it is about and the broker's message id."""

    incident_id: str | None
    message_id: str
    task: str


def queue(request: Request, task: str, payload: dict[str, Any], caller: str) -> Accepted:
    """Publish ``payload`` as ``task`` for ``request``; the answer, or the HTTP error that
    explains why not."""
    started = time.perf_counter()
    try:
        message_id = request.app.state.context.publish(task, payload)
    except InvalidMessage as invalid:
        REFUSED.labels(caller, "invalid").inc()
        log.info("web.refused", caller=caller, task=task, reason=invalid.reason)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, invalid.reason) from None
    except BrokerUnavailable as unavailable:
        REFUSED.labels(caller, "broker_unavailable").inc()
        log.error("web.broker_unavailable", caller=caller, task=task, error=str(unavailable))
        forget_signature(request)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the broker is unreachable: nothing was queued, try again",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from None
    QUEUEING.observe(time.perf_counter() - started)
    ACCEPTED.labels(caller, task).inc()
    incident_id = payload.get("incident_id")
    request.state.queued = {"caller": caller, "task": task, "incident_id": incident_id}
    return Accepted(incident_id=incident_id, message_id=message_id, task=task)
