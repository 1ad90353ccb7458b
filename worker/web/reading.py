"""``GET /v1/oncall`` and ``GET /v1/incidents``: who is on call and what is open, as ``muster
oncall`` and ``muster incidents`` answer in JSON, for callers with the ``read`` scope (a
dashboard, a chat bot): names, shifts and incidents are not every caller's to read.

Times in the query are ISO 8601; one without an offset is a wall-clock time in the config's
timezone, as on the command line. A range is at most
:data:`~muster.worker.core.paging.duties.LONGEST`, so one request cannot ask for years of work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.config.scopes import Scope
from muster.worker.core.paging.duties import listing, listing_problem
from muster.worker.core.paging.override_history import with_history
from muster.worker.core.paging.rotations import as_utc
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.shifts import REACH
from muster.worker.core.rendering.incident_list import incidents_data
from muster.worker.core.rendering.oncall import oncall_data
from muster.worker.store.wanted import Wanted
from muster.worker.web.auth import needing
from muster.worker.web.database import database_errors

log = structlog.get_logger("muster.web")
router = APIRouter(prefix="/v1", tags=["reading"])
Reader = Annotated[str, Depends(needing(Scope.READ))]
Name = Annotated[str | None, Query(max_length=100)]
Instant = Annotated[str | None, Query(max_length=40, description="ISO 8601; default now")]

_compiled: list[tuple[RoutingConfig, Routing]] = []  # the served config's, compiled once


def routing_of(config: RoutingConfig) -> Routing:
    """The served config compiled for lookups, once per config (a reload serves a new one)."""
    if not _compiled or _compiled[0][0] is not config:
        _compiled[:] = [(config, Routing.from_config(config))]
    return _compiled[0][1]


def with_past(context: Any, routing: Routing, start: datetime) -> Routing:
    """``routing`` with the overrides pruned from the file added back for shifts from
    ``start`` (a shift's start is looked for up to :data:`REACH` before it), so pruning changes
    nothing shown about the past; ``routing`` itself when this process reads no database or it
    cannot be read now (the config alone answers, as before a prune)."""
    if context.past_overrides is None:
        return routing
    try:
        past = context.past_overrides(start - REACH)
    except database_errors() as problem:
        log.warning("pruned overrides unread", error=type(problem).__name__)
        return routing
    return with_history(routing, past)


def instant(text: str | None, config: RoutingConfig, default: datetime, name: str) -> datetime:
    """A query's time as aware UTC, or 422 saying what is wrong with it."""
    if text is None:
        return default
    try:
        return as_utc(datetime.fromisoformat(text), config.zone)
    except ValueError:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"{name}: not an ISO 8601 time (2026-11-25T12:00:00Z, or a wall time in"
            f" {config.timezone})",
        ) from None


@router.get("/oncall", responses={422: {"description": "A bad time, range or name"}})
def oncall(
    request: Request,
    caller: Reader,
    at: Instant = None,
    until: Instant = None,
    role: Name = None,
    service: Name = None,
    person: Name = None,
) -> dict[str, Any]:
    """Who holds each rotation (with the roles and services it is held for) at `at` (now),
    since when and until when, and the next two handoffs; with `until`, every final shift from
    `at` until then. Overrides applied; a shift with `person` null is a gap."""
    context = request.app.state.context
    routing = routing_of(context.config())
    config = routing.config
    start = instant(at, config, context.now(), "at")
    end = None if until is None else instant(until, config, start, "until")
    problem = listing_problem(config, start, end, role=role, service=service, person=person)
    if problem is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problem)
    routing = with_past(context, routing, start)
    duties = listing(routing, start, end, role=role, service=service, person=person)
    return oncall_data(routing, duties, start, end)


@router.get(
    "/incidents",
    responses={
        422: {"description": "A bad time"},
        503: {"description": "This web process reads no database, or it is unavailable"},
    },
)
def incidents(
    request: Request,
    caller: Reader,
    everything: Annotated[bool, Query(alias="all")] = False,
    state: Name = None,
    severity: Name = None,
    service: Name = None,
    since: Instant = None,
) -> dict[str, Any]:
    """Open incidents (with `all`, resolved ones too), newest first: severity, services, state,
    age, who was paged and who acknowledged, pages held, and each chain's next escalation step
    with when it is due and who it would page then."""
    context = request.app.state.context
    if context.listing is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "this web process reads no database"
        )
    routing = routing_of(context.config())
    now = context.now()
    start = None if since is None else instant(since, routing.config, now, "since")
    wanted = Wanted(everything, state, severity, service, start)
    try:
        found = context.listing(routing, wanted)
    except database_errors() as problem:  # not made yet, or down: monitoring retries
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the database is unavailable ({type(problem).__name__}); retry",
            headers={"Retry-After": "5"},
        ) from None
    return incidents_data(routing, found, now)
