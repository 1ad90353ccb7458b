"""``POST /v1/messages/{declared,milestone,acknowledged,resolved}``: the contract as JSON.

For scripts and systems that speak HTTP rather than Celery. The body is the contract message
itself (``docs/message-contract.md``); a declaration without an ``incident_id`` is given one,
and every declaration records the caller as its ``source``. What the worker could only
dead-letter is refused here instead (:mod:`muster.worker.web.checks`): 422 for a name the
config lacks, 404 for an incident id the database does not know.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from muster.worker.client import new_incident_id
from muster.worker.messages import (
    ACKNOWLEDGED,
    DECLARED,
    MILESTONE,
    RESOLVED,
    Acknowledged,
    Declared,
    Milestone,
    Resolved,
)
from muster.worker.web.auth import caller_name
from muster.worker.web.checks import check_message
from muster.worker.web.publishing import Accepted, queue

router = APIRouter(prefix="/v1/messages", tags=["messages"])
Caller = Annotated[str, Depends(caller_name)]


@router.post("/declared", status_code=202)
def declared(message: Declared, request: Request, caller: Caller) -> Accepted:
    """Declare an incident; the answer names its id (generated when the body has none)."""
    check_message(request, message, caller)
    payload = message.model_dump(mode="json", exclude_none=True)
    payload["incident_id"] = payload.get("incident_id") or new_incident_id()
    payload["source"] = caller
    return queue(request, DECLARED, payload, caller)


@router.post("/milestone", status_code=202)
def milestone(message: Milestone, request: Request, caller: Caller) -> Accepted:
    """Record a milestone of an incident (an SME's suggestion, a result, a redefinition…)."""
    check_message(request, message, caller)
    payload = message.model_dump(mode="json", exclude_none=True)
    return queue(request, MILESTONE, payload, caller)


@router.post("/acknowledged", status_code=202)
def acknowledged(message: Acknowledged, request: Request, caller: Caller) -> Accepted:
    """Acknowledge a person's page: their escalation stops."""
    check_message(request, message, caller)
    payload = message.model_dump(mode="json", exclude_none=True)
    return queue(request, ACKNOWLEDGED, payload, caller)


@router.post("/resolved", status_code=202)
def resolved(message: Resolved, request: Request, caller: Caller) -> Accepted:
    """Resolve an incident, by its id or by the fingerprint it was declared with."""
    check_message(request, message, caller)
    payload = message.model_dump(mode="json", exclude_none=True)
    return queue(request, RESOLVED, payload, caller)
