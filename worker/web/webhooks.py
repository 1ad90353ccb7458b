"""``POST /v1/alertmanager`` and ``POST /v1/grafana``: alert notifications as incidents.

One incident per alert group (:mod:`muster.worker.core.intake.alerts` says how labels become impact,
urgency and services, and why a repeat pages nobody). Point Alertmanager's ``webhook_configs``
or a Grafana webhook contact point here, with the caller's bearer token.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from muster.worker.core.config.scopes import Scope
from muster.worker.core.intake.alerts import AlertRefused, AlertWebhook, webhook_message
from muster.worker.tasks.names import DECLARED, RESOLVED
from muster.worker.web.auth import authorised
from muster.worker.web.metrics import REFUSED
from muster.worker.web.publishing import Accepted, queue

router = APIRouter(prefix="/v1", tags=["alerts"])
TASKS = {"declared": DECLARED, "resolved": RESOLVED}


BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AlertWebhook"}}},
    }
}


async def _queue_alerts(request: Request) -> Response:
    """Authenticate (a call, not a FastAPI dependency: solving one is measurable per request),
    parse the body in one pass (bytes to model: FastAPI's body parameter would decode JSON
    and then validate the objects), then classify and publish on a worker thread; the answer
    is serialised here once (FastAPI would validate the returned model against itself first)."""
    caller = await authorised(request, Scope.ALERTS)
    try:
        hook = AlertWebhook.model_validate_json(await request.body())
    except ValidationError as invalid:
        raise RequestValidationError(invalid.errors(include_url=False)) from None
    try:
        accepted = await run_in_threadpool(_classify_and_queue, request, hook, caller)
    except AlertRefused as refused:
        REFUSED.labels(caller, "unclassified_alert").inc()
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused)) from None
    return Response(accepted.model_dump_json(), 202, media_type="application/json")


def _classify_and_queue(request: Request, hook: AlertWebhook, caller: str) -> Accepted:
    """On a worker thread: classification is CPU work (a regex per rule and label), and the
    event loop serves every other request meanwhile."""
    message = webhook_message(request.app.state.context.config(), hook, caller)
    return queue(request, TASKS[message.task], message.payload, caller)


@router.post("/alertmanager", status_code=202, response_model=Accepted, openapi_extra=BODY)
async def alertmanager(request: Request) -> Response:
    """Prometheus Alertmanager's webhook (version 4): firing declares, resolved resolves."""
    return await _queue_alerts(request)


@router.post("/grafana", status_code=202, response_model=Accepted, openapi_extra=BODY)
async def grafana(request: Request) -> Response:
    """Grafana alerting's webhook contact point, with the same rules; it may sign its bodies
    (``intake.callers.NAME.signature``)."""
    return await _queue_alerts(request)
