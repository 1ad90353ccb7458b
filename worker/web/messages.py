"""``POST /v1/messages/{declared,milestone,acknowledged,resolved}``: the contract as JSON.

For scripts and systems that speak HTTP rather than Celery. The body is the contract message
itself (``docs/message-contract.md``); a declaration without an ``incident_id`` is given one,
and every declaration records the caller as its ``source``. A fingerprint a caller gives
(declaring or resolving) is the caller's own: stored as ``caller:{caller}:{given}``, so no
caller reaches another's incidents, nor an alert group's or a heartbeat's; fingerprints and
declaration ids in muster's reserved namespaces are 422
(:mod:`muster.worker.core.intake.namespaces`).
What the worker could only dead-letter is refused here instead (:mod:`muster.worker.web.checks`):
422 for a name the config lacks, 404 for an incident id the database does not know.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status

from muster.worker.client import new_incident_id
from muster.worker.core.config.scopes import Scope
from muster.worker.core.intake.namespaces import ReservedNamespace, caller_fingerprint, check_given
from muster.worker.messages import FINGERPRINT_MAX, Acknowledged, Declared, Milestone, Resolved
from muster.worker.tasks.names import ACKNOWLEDGED, DECLARED, MILESTONE, RESOLVED
from muster.worker.web.auth import needing
from muster.worker.web.bodies import described, parsed_body
from muster.worker.web.checks import check_message
from muster.worker.web.metrics import REFUSED
from muster.worker.web.publishing import Accepted, queue

router = APIRouter(prefix="/v1/messages", tags=["messages"])
Declarer = Annotated[str, Depends(needing(Scope.DECLARE))]
Reporter = Annotated[str, Depends(needing(Scope.MILESTONE))]
Acknowledger = Annotated[str, Depends(needing(Scope.ACKNOWLEDGE))]
Resolver = Annotated[str, Depends(needing(Scope.RESOLVE))]
BODIES = (Declared, Milestone, Acknowledged, Resolved)  # described in OpenAPI by app.py


@router.post("/declared", status_code=202, openapi_extra=described(Declared))
def declared(
    message: Annotated[Declared, Depends(parsed_body(Declared, Scope.DECLARE))],
    request: Request,
    caller: Declarer,
) -> Accepted:
    """Declare an incident; the answer names its id (generated when the body has none)."""
    check_message(request, message, caller)
    payload = _scoped(message.model_dump(mode="json", exclude_none=True), caller, declared=True)
    payload["incident_id"] = payload.get("incident_id") or new_incident_id()
    payload["source"] = caller
    return queue(request, DECLARED, payload, caller)


@router.post("/milestone", status_code=202, openapi_extra=described(Milestone))
def milestone(
    message: Annotated[Milestone, Depends(parsed_body(Milestone, Scope.MILESTONE))],
    request: Request,
    caller: Reporter,
) -> Accepted:
    """Record a milestone of an incident (an SME's suggestion, a result, a redefinition…)."""
    _acting_for(request, caller, message.author, "sign a milestone as")
    check_message(request, message, caller)
    payload = message.model_dump(mode="json", exclude_none=True)
    return queue(request, MILESTONE, payload, caller)


@router.post("/acknowledged", status_code=202, openapi_extra=described(Acknowledged))
def acknowledged(
    message: Annotated[Acknowledged, Depends(parsed_body(Acknowledged, Scope.ACKNOWLEDGE))],
    request: Request,
    caller: Acknowledger,
) -> Accepted:
    """Acknowledge a person's page: their escalation stops."""
    _acting_for(request, caller, message.person, "acknowledge for")
    check_message(request, message, caller)
    payload = message.model_dump(mode="json", exclude_none=True)
    return queue(request, ACKNOWLEDGED, payload, caller)


@router.post("/resolved", status_code=202, openapi_extra=described(Resolved))
def resolved(
    message: Annotated[Resolved, Depends(parsed_body(Resolved, Scope.RESOLVE))],
    request: Request,
    caller: Resolver,
) -> Accepted:
    """Resolve an incident, by its id or by the fingerprint it was declared with (by this
    caller: fingerprints are scoped to their caller)."""
    check_message(request, message, caller)
    payload = _scoped(message.model_dump(mode="json", exclude_none=True), caller, declared=False)
    return queue(request, RESOLVED, payload, caller)


def _scoped(payload: dict[str, Any], caller: str, *, declared: bool) -> dict[str, Any]:
    """``payload`` with its fingerprint the caller's own; 422 for a reserved fingerprint, or a
    reserved id to declare (ids address incidents: any caller may resolve one by its id)."""
    incident_id = payload.get("incident_id") if declared else None
    try:
        check_given(incident_id, payload.get("fingerprint"))
    except ReservedNamespace as reserved:
        REFUSED.labels(caller, "reserved").inc()
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(reserved)) from None
    if "fingerprint" in payload:
        scoped = caller_fingerprint(caller, payload["fingerprint"])
        if len(scoped) > FINGERPRINT_MAX:
            room = FINGERPRINT_MAX - len(scoped) + len(payload["fingerprint"])
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"fingerprint: at most {room} characters for caller {caller!r} "
                f"(it is stored as {caller_fingerprint(caller, '…')})",
            )
        payload["fingerprint"] = scoped
    return payload


def _acting_for(request: Request, caller: str, person: str | None, acting: str) -> None:
    """403 when the caller is limited to certain people (``acts_for``) and ``person`` is not one
    of them (or, for a milestone's author, is not given)."""
    if not request.app.state.context.config().intake.callers[caller].may_act_for(person):
        REFUSED.labels(caller, "acts_for").inc()
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"caller {caller!r} may only {acting} the people of its acts_for",
        )
