"""The Acknowledge links of email and chat pages: ``GET /ack/TOKEN`` asks, ``POST`` acknowledges.

Link scanners and chat unfurlers fetch links, so opening one only shows a one-button page; the
button's POST queues the contract's acknowledgement for the person the signed token names.
The token is a credential: the access log masks it. A digest's link names the digest instead
of an incident, and acknowledges every open incident of it for its person (one contract
acknowledgement each).
"""

from __future__ import annotations

import html

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import SQLAlchemyError

from muster.worker.client import BrokerUnavailable
from muster.worker.core.ack_tokens import verify
from muster.worker.core.digest import DIGEST_SUBJECT
from muster.worker.messages import ACKNOWLEDGED, InvalidMessage
from muster.worker.web.context import WebContext

log = structlog.get_logger("muster.web")

router = APIRouter(tags=["acknowledgements"], include_in_schema=False)
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
RETRY_AFTER = 5  # seconds, on the page of a broker that cannot take the acknowledgement now


def page(body: str, status_code: int = 200) -> HTMLResponse:
    """A minimal HTML page, never cached or framed."""
    document = (
        "<!doctype html><html><head><meta charset='utf-8'><title>muster</title>"
        f"<meta name='viewport' content='width=device-width'></head><body>{body}</body></html>"
    )
    headers = HEADERS if status_code != 503 else {**HEADERS, "Retry-After": str(RETRY_AFTER)}
    return HTMLResponse(document, status_code=status_code, headers=headers)


def _queued(context: WebContext, incidents: list[str], person: str) -> HTMLResponse | None:
    """Queue ``person``'s acknowledgement of each incident; the page saying why not, if the
    broker cannot take them now (the person clicks again)."""
    try:
        for incident_id in incidents:
            context.publish(ACKNOWLEDGED, {"incident_id": incident_id, "person": person})
    except BrokerUnavailable as unavailable:
        log.error("web.broker_unavailable", task=ACKNOWLEDGED, error=str(unavailable))
        return page("Your acknowledgement cannot be queued right now: try again in a moment.", 503)
    except InvalidMessage as invalid:  # a token signed for what the contract no longer takes
        log.warning("web.refused", task=ACKNOWLEDGED, reason=invalid.reason)
        return page("Unknown or expired link.", 404)
    return None


def _found(context: WebContext, token: str) -> tuple[str, str] | None:
    ack = context.config().ack
    return verify(ack.secret, token) if ack else None


def incident_state(context: WebContext, incident_id: str) -> str | None:
    """The incident's state, if the database can say (unreachable: None, and the link acts:
    the worker ignores an acknowledgement that no longer applies)."""
    if context.incidents is None:
        return None
    try:
        return context.incidents.state(incident_id)
    except SQLAlchemyError as problem:
        log.warning("web.database_unavailable", error=type(problem).__name__)
        return None


def _resolved(incident_id: str) -> HTMLResponse:
    what = html.escape(incident_id)
    return page(f"Incident <b>{what}</b> is resolved: there is nothing left to acknowledge.", 410)


def _digest_incidents(context: WebContext, digest: str, person: str) -> list[str] | None:
    """The open incidents of ``person``'s digest (None: the database cannot say now)."""
    if context.incidents is None:
        return None
    try:
        states = context.incidents.digested(digest, person)
    except SQLAlchemyError as problem:
        log.warning("web.database_unavailable", error=type(problem).__name__)
        return None
    return [incident for incident, state in states.items() if state != "resolved"]


def _digest(context: WebContext, digest: str, person: str, acknowledge: bool) -> HTMLResponse:
    """A digest's link: it acknowledges every open incident of the digest for its person."""
    incidents = _digest_incidents(context, digest, person)
    if incidents is None:
        return page("The incidents of this digest cannot be read right now: try again.", 503)
    if not incidents:
        return page("Every incident of this digest is resolved: nothing left to acknowledge.", 410)
    who = html.escape(person)
    listed = "".join(f"<li>{html.escape(incident)}</li>" for incident in incidents)
    if not acknowledge:
        return page(
            f"<p>Acknowledge these {len(incidents)} incidents as <b>{who}</b>? This stops your "
            f"escalation for each.</p><ul>{listed}</ul><form method='post'>"
            "<button type='submit'>Acknowledge all</button></form>"
        )
    refused = _queued(context, incidents, person)
    if refused is not None:
        return refused
    log.info("ack.digest_link_used", person=person, incidents=len(incidents))
    return page(f"Acknowledged as <b>{who}</b>:<ul>{listed}</ul>")


@router.get("/ack/{token}")
def confirm(token: str, request: Request) -> HTMLResponse:
    """The confirmation page: which incident, as whom, and the one button."""
    found = _found(request.app.state.context, token)
    if found is None:
        return page("Unknown or expired link.", 404)
    if found[0].startswith(DIGEST_SUBJECT):
        digest = found[0].removeprefix(DIGEST_SUBJECT)
        return _digest(request.app.state.context, digest, found[1], acknowledge=False)
    if incident_state(request.app.state.context, found[0]) == "resolved":
        return _resolved(found[0])
    who, what = html.escape(found[1]), html.escape(found[0])
    return page(
        f"<p>Acknowledge incident <b>{what}</b> as <b>{who}</b>? This stops your escalation "
        "for this incident.</p><form method='post'><button type='submit'>Acknowledge</button>"
        "</form>"
    )


@router.post("/ack/{token}")
def acknowledge(token: str, request: Request) -> HTMLResponse:
    """Queue the acknowledgement the token names."""
    context: WebContext = request.app.state.context
    found = _found(context, token)
    if found is None:
        return page("Unknown or expired link.", 404)
    incident_id, person = found
    if incident_id.startswith(DIGEST_SUBJECT):
        digest = incident_id.removeprefix(DIGEST_SUBJECT)
        return _digest(context, digest, person, acknowledge=True)
    if incident_state(context, incident_id) == "resolved":
        return _resolved(incident_id)
    refused = _queued(context, [incident_id], person)
    if refused is not None:
        return refused
    log.info("ack.link_used", incident_id=incident_id, person=person)
    who, what = html.escape(person), html.escape(incident_id)
    return page(f"Acknowledged: <b>{what}</b> as <b>{who}</b>.")
