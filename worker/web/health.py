"""``/healthz``: the process answers (liveness); ``/readyz``: muster can page now (readiness)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={
        200: {"description": "Every check holds"},
        503: {"description": "A check fails: `failing` names which"},
    },
)
def readyz(request: Request) -> JSONResponse:
    """Whether muster can page now: the broker is reachable, the database answers, and a worker
    and a beat were each seen within `MUSTER_READY_WITHIN` seconds. 200 when all hold, else 503;
    the body lists every check either way."""
    probe = request.app.state.context.readiness
    if probe is None:
        body: dict[str, Any] = {
            "status": "not ready",
            "checks": {},
            "failing": ["readiness"],
            "detail": "this web process has no readiness probe",
        }
        return JSONResponse(body, status_code=503)
    checks = probe()
    failing = [check.name for check in checks if not check.ok]
    body = {
        "status": "not ready" if failing else "ready",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
        "failing": failing,
    }
    return JSONResponse(body, status_code=503 if failing else 200)
