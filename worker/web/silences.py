"""``POST /v1/silences``, ``GET /v1/silences``, ``DELETE /v1/silences/{id}``: silences over HTTP.

For a chat bot or a runbook's script, with the ``silence`` scope (granted only when listed: a
caller with no scopes has every other one). The body is judged exactly as ``muster silence add``
judges its options (:func:`muster.worker.core.decisions.silences.plan_silence`, the scope by
:func:`~muster.worker.core.decisions.silences.silence_scope`): a refusal is 422 with the same
one line. Times without an offset are wall-clock times in the config's timezone. The silence is
written to the database on the web's writer engine (beside seen signatures and the SMS reply
guard); 503 if this web process has no database or it fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import Field, StringConstraints

from muster.worker.core.config.fields import Strict
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.config.scopes import Scope
from muster.worker.core.decisions.silences import (
    AUTHOR_LENGTH,
    REASON_LENGTH,
    UNKNOWN,
    Draft,
    SilenceRefused,
    plan_silence,
    silence_length,
    silence_scope,
)
from muster.worker.core.rendering.silences import silence_data
from muster.worker.store import SilencesUnavailable
from muster.worker.web.auth import needing
from muster.worker.web.bodies import described, parsed_body
from muster.worker.web.context import SilenceStore, WebContext
from muster.worker.web.metrics import REFUSED
from muster.worker.web.reading import instant

router = APIRouter(prefix="/v1", tags=["silences"])
Silencer = Annotated[str, Depends(needing(Scope.SILENCE))]
Short = Annotated[str, StringConstraints(max_length=100)]
Time = Annotated[str, StringConstraints(max_length=40)]
Pattern = Annotated[str, StringConstraints(max_length=500)]


class SilenceBody(Strict):
    """A silence to add: its scope (a window scope's fields), its expiry (``for`` or ``until``),
    an optional start (default now), the reason, and its author (default the caller's name)."""

    services: list[Short] = Field(default_factory=list, max_length=100)
    match: dict[Short, Pattern] = Field(default_factory=dict, max_length=50)
    match_re: dict[Short, Pattern] = Field(default_factory=dict, max_length=50)
    severities: list[Short] = Field(default_factory=list, max_length=50)
    starts: Time | None = None
    until: Time | None = None
    length: Annotated[Short | None, Field(alias="for")] = None
    reason: Annotated[str, StringConstraints(max_length=REASON_LENGTH)]
    author: Annotated[str, StringConstraints(max_length=AUTHOR_LENGTH)] | None = None


BODIES = (SilenceBody,)  # described in OpenAPI by app.py


@router.post(
    "/silences",
    status_code=201,
    openapi_extra=described(SilenceBody),
    responses={422: {"description": "A silence muster will not keep"}, 503: {}},
)
def add_silence(
    body: Annotated[SilenceBody, Depends(parsed_body(SilenceBody, Scope.SILENCE))],
    request: Request,
    caller: Silencer,
) -> dict[str, Any]:
    """Add a silence: incidents in its scope page nobody until it ends. The answer is the
    silence, with its id."""
    context: WebContext = request.app.state.context
    store = _store(context)
    config = context.config()
    now = context.now().replace(microsecond=0)
    try:
        draft = draft_of(body, caller, config, now)
        planned = plan_silence(config, draft, now)
    except SilenceRefused as refused:
        REFUSED.labels(caller, "silence").inc()
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused)) from None
    with _available():
        added = store.add(planned)
    return silence_data(added, now)


@router.get("/silences", responses={503: {}})
def list_silences(
    request: Request,
    caller: Silencer,
    everything: Annotated[bool, Query(alias="all")] = False,
) -> dict[str, Any]:
    """The silences holding now or to come (with `all`, ended and expired ones too), by start."""
    context: WebContext = request.app.state.context
    store = _store(context)
    now = context.now()
    with _available():
        found = store.listed(now, everything)
    return {"silences": [silence_data(silence, now) for silence in found]}


@router.delete("/silences/{ident}", responses={404: {}, 503: {}})
def expire_silence(
    request: Request,
    caller: Silencer,
    ident: Annotated[str, Path(max_length=40)],
) -> dict[str, Any]:
    """End a silence now: what it held pages again from its next decision."""
    context: WebContext = request.app.state.context
    store = _store(context)
    with _available():
        outcome = store.expire(ident, context.now(), caller)
    if outcome == UNKNOWN:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such silence")
    return {"id": ident, "outcome": outcome}


def draft_of(body: SilenceBody, caller: str, config: RoutingConfig, now: datetime) -> Draft:
    """The silence ``body`` asks for, as ``muster silence add`` would ask for it."""
    return Draft(
        scope=silence_scope(body.services, body.match, body.match_re, body.severities),
        author=body.author if body.author is not None else caller,
        reason=body.reason,
        starts=_time(body.starts, config, now, "starts"),
        ends=_time(body.until, config, now, "until"),
        length=silence_length(body.length, "for"),
        source=f"web:{caller}",
    )


def _time(text: str | None, config: RoutingConfig, now: datetime, name: str) -> datetime | None:
    if text is None:
        return None
    if text == "now":
        return now
    try:
        return instant(text, config, now, name)
    except HTTPException as refused:
        raise SilenceRefused(str(refused.detail)) from None
    except OverflowError:
        raise SilenceRefused(f"{name}: {text!r} is out of the calendar") from None


def _store(context: WebContext) -> SilenceStore:
    if context.silences is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "this web process has no database for silences"
        )
    return context.silences


@contextmanager
def _available() -> Iterator[None]:
    try:
        yield
    except SilencesUnavailable as problem:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the database is unavailable ({problem}); retry",
            headers={"Retry-After": "5"},
        ) from None
