"""One structlog line per request, with anything that could be a credential masked, and what
the request queued (caller, task, incident), so an accepted message is one line, not two.

An Acknowledge link's token is a credential (it acknowledges for its person), so the path is
logged with every run of 16 or more token characters masked (a token is longer, and is never
split by what ends a run), its last segment masked too, and without its query; uvicorn's own
access log, which prints paths as they came, is off.
"""

from __future__ import annotations

import re
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from muster.worker.core.config.masking import MASK
from muster.worker.web.metrics import REFUSED, REQUESTS

log = structlog.get_logger("muster.web")

PLAIN_PATHS = frozenset({"/", "/healthz", "/readyz", "/metrics", "/openapi.json"})
_LONG_SEGMENT = re.compile(r"[^\s/\"'?#]{16,}")


def masked_path(path: str) -> str:
    """A request path fit for a log: the query left out, every long run of token characters
    masked wherever it stands (an ack token is one, in any route or none:
    ``/ack/TOKEN/extra``, ``/nowhere/TOKEN``), and the last segment masked unless the path is
    one of the fixed ones (``/healthz``…) or an API route (``/v1/…``)."""
    base = path.split("?", 1)[0].rstrip("/") or "/"
    masked = _LONG_SEGMENT.sub(MASK, base)
    if base in PLAIN_PATHS or base.startswith("/v1/"):
        return masked
    head, _, last = masked.rpartition("/")
    return f"{head}/{MASK}" if last else masked


class AccessLog:
    """ASGI middleware: method, masked path, status and duration of every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            route = scope.get("route")
            REQUESTS.labels(getattr(route, "path", "unmatched"), str(status)).inc()
            if status == 413:  # the framework's body limit refused it (FastAPI max_body_size)
                REFUSED.labels("", "too_large").inc()
            client = scope.get("client")
            queued = scope.get("state", {}).get("queued") or {}
            log.info(
                "web.request",
                client=client[0] if client else None,
                request=f"{scope.get('method', '?')} {masked_path(str(scope.get('path', '')))}",
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
                **queued,
            )
