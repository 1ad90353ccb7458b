"""The web application: every route, the body limit and the masked access log, on one context."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

from muster.worker.core.intake.alerts import AlertWebhook
from muster.worker.web import (
    acks,
    calendar_feed,
    health,
    heartbeats,
    messages,
    metrics,
    reading,
    replies,
    silences,
    webhooks,
)
from muster.worker.web.access_log import AccessLog
from muster.worker.web.context import WebContext

DESCRIPTION = (
    "muster's intake: monitoring webhooks and the message contract over HTTP, queued on the "
    "broker for the worker. Every route under /v1 takes `Authorization: Bearer TOKEN`, a token "
    "of `intake.callers` in the routing config."
)

ERROR_KEYS = ("loc", "msg", "type")  # what a 422 says of each error: never its "input" or "ctx"
# every route's module
ROUTED = (
    messages,
    webhooks,
    heartbeats,
    replies,
    acks,
    health,
    metrics,
    reading,
    calendar_feed,
    silences,
)


def create_app(context: WebContext) -> FastAPI:
    """The ASGI app serving ``context``."""
    app = FastAPI(
        title="muster",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        # Starlette refuses a body over the limit as it is read: 413, never buffered whole.
        max_body_size=context.max_body,
    )
    app.state.context = context
    for module in ROUTED:
        if module is not webhooks:
            app.include_router(module.router)
    # One notification is one alert group, all its alerts: a big outage is a big body.
    app.include_router(webhooks.router, max_body_size=context.max_webhook_body)
    _describe_bodies_parsed_by_hand(app)
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(ClientDisconnect, _gone)
    app.add_middleware(AccessLog)
    return app


async def _invalid(request: Request, invalid: RequestValidationError) -> JSONResponse:
    """422 saying where and what is wrong, in muster's and pydantic's words only: FastAPI's
    own answer echoes the offending input (a caller's secrets or markup reflected back, and for
    bytes that are not UTF-8 a 500), so each error keeps its place, message and type alone."""
    said = [{key: error[key] for key in ERROR_KEYS if key in error} for error in invalid.errors()]
    detail = jsonable_encoder(said, custom_encoder={bytes: _readable})
    return JSONResponse({"detail": detail}, status_code=422)


async def _gone(request: Request, gone: Exception) -> JSONResponse:
    """The client left (or was cut off by the server's limits) before its body was whole: not
    a server error. The answer, for the access log, reaches nobody."""
    return JSONResponse({"detail": "the client left before its body was whole"}, 400)


def _readable(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _describe_bodies_parsed_by_hand(app: FastAPI) -> None:
    """The webhook and message routes parse their bodies themselves (after authenticating the
    caller; the webhooks in one pass): their schemas are added to the OpenAPI description's
    components, where their ``requestBody`` points."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            components = document.setdefault("components", {}).setdefault("schemas", {})
            for model in (AlertWebhook, *messages.BODIES, *silences.BODIES):
                schema = model.model_json_schema(
                    by_alias=True, ref_template="#/components/schemas/{model}"
                )
                components.update(schema.pop("$defs", {}))
                components[model.__name__] = schema
        return app.openapi_schema or document

    app.openapi = openapi  # type: ignore[method-assign]
