"""The web application: every route, the body limit and the masked access log, on one context."""

from __future__ import annotations

from fastapi import FastAPI

from muster.worker.web import acks, health, messages, metrics, replies, webhooks
from muster.worker.web.access_log import AccessLog
from muster.worker.web.context import WebContext
from muster.worker.web.limits import BodyLimit

DESCRIPTION = (
    "muster's intake: monitoring webhooks and the message contract over HTTP, queued on the "
    "broker for the worker. Every route under /v1 takes `Authorization: Bearer TOKEN`, a token "
    "of `intake.callers` in the routing config."
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
    )
    app.state.context = context
    for module in (messages, webhooks, replies, acks, health, metrics):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, max_body=context.max_body)
    app.add_middleware(AccessLog)
    return app
