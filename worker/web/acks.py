"""The Acknowledge links of email and chat pages: ``GET /ack/TOKEN`` asks, ``POST`` acknowledges.

Link scanners and chat unfurlers fetch links, so opening one only shows a one-button page; the
button's POST queues the contract's acknowledgement for the person the signed token names.
The token is a credential: the access log masks it.
"""

from __future__ import annotations

import html

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import SQLAlchemyError

from muster.worker.core.ack_tokens import verify
from muster.worker.messages import ACKNOWLEDGED
from muster.worker.web.context import WebContext

log = structlog.get_logger("muster.web")

router = APIRouter(tags=["acknowledgements"], include_in_schema=False)
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def page(body: str, status_code: int = 200) -> HTMLResponse:
    """A minimal HTML page, never cached or framed."""
    document = (
        "<!doctype html><html><head><meta charset='utf-8'><title>muster</title>"
        f"<meta name='viewport' content='width=device-width'></head><body>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status_code, headers=HEADERS)


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


@router.get("/ack/{token}")
def confirm(token: str, request: Request) -> HTMLResponse:
    """The confirmation page: which incident, as whom, and the one button."""
    found = _found(request.app.state.context, token)
    if found is None:
        return page("Unknown or expired link.", 404)
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
    if incident_state(context, incident_id) == "resolved":
        return _resolved(incident_id)
    context.publish(ACKNOWLEDGED, {"incident_id": incident_id, "person": person})
    log.info("ack.link_used", incident_id=incident_id, person=person)
    who, what = html.escape(person), html.escape(incident_id)
    return page(f"Acknowledged: <b>{what}</b> as <b>{who}</b>.")
