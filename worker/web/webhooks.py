"""``POST /v1/alertmanager`` and ``POST /v1/grafana``: alert notifications as incidents.

One incident per alert group (:mod:`muster.worker.core.alerts` says how labels become impact,
urgency and services, and why a repeat pages nobody). Point Alertmanager's ``webhook_configs``
or a Grafana webhook contact point here, with the caller's bearer token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from muster.worker.core.alerts import AlertRefused, AlertWebhook, webhook_message
from muster.worker.messages import DECLARED, RESOLVED
from muster.worker.web.auth import caller_name
from muster.worker.web.metrics import REFUSED
from muster.worker.web.publishing import Accepted, queue

router = APIRouter(prefix="/v1", tags=["alerts"])
Caller = Annotated[str, Depends(caller_name)]
TASKS = {"declared": DECLARED, "resolved": RESOLVED}


def _queue_alerts(request: Request, hook: AlertWebhook, caller: str) -> Accepted:
    context = request.app.state.context
    try:
        message = webhook_message(context.config(), hook, caller)
    except AlertRefused as refused:
        REFUSED.labels(caller, "unclassified_alert").inc()
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused)) from None
    return queue(context, TASKS[message.task], message.payload, caller)


@router.post("/alertmanager", status_code=202)
def alertmanager(hook: AlertWebhook, request: Request, caller: Caller) -> Accepted:
    """Prometheus Alertmanager's webhook (version 4): firing declares, resolved resolves."""
    return _queue_alerts(request, hook, caller)


@router.post("/grafana", status_code=202)
def grafana(hook: AlertWebhook, request: Request, caller: Caller) -> Accepted:
    """Grafana alerting's webhook contact point, with the same rules; it may sign its bodies
    (``intake.callers.NAME.signature``)."""
    return _queue_alerts(request, hook, caller)
