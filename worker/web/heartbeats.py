"""``POST /v1/heartbeats/NAME``: a heartbeat monitor of the config is heard from.

Whatever the body (Alertmanager's webhook for its always-firing ``Watchdog`` alert, a cron job's
``curl`` with none), the request is the heartbeat: authenticated as every intake route, it
queues ``muster.heartbeat`` with the monitor's name and when the web received it; the worker
records it. A name the config does not define is 404. The body is never read, nor logged.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status

from muster.worker.core.config.scopes import Scope
from muster.worker.tasks.names import HEARTBEAT
from muster.worker.web.auth import needing
from muster.worker.web.metrics import REFUSED
from muster.worker.web.publishing import Accepted, queue

router = APIRouter(prefix="/v1", tags=["heartbeats"])
Caller = Annotated[str, Depends(needing(Scope.HEARTBEATS))]
MonitorName = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$", description="monitor")
]


@router.post(
    "/heartbeats/{name}",
    status_code=202,
    responses={404: {"description": "No heartbeat monitor of that name in the config"}},
)
def heartbeat(name: MonitorName, request: Request, caller: Caller) -> Accepted:
    """A heartbeat of monitor `name` (`heartbeats.NAME` in the config), with any body or none:
    the monitor's next miss moves on, and an incident its silence declared is resolved."""
    context = request.app.state.context
    if name not in context.config().heartbeats:
        REFUSED.labels(caller, "unknown_heartbeat").inc()
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no heartbeat monitor named {name!r}")
    payload = {"name": name, "received_at": context.now().isoformat()}
    return queue(request, HEARTBEAT, payload, caller)
