"""The Acknowledge links of email and chat pages: ``GET /ack/TOKEN`` asks, ``POST`` acknowledges.

Link scanners and chat unfurlers fetch links, so opening one only shows a one-button page; the
button's POST queues the contract's acknowledgement for the person the signed token names.
The token is a credential: the access log masks it. A digest's link names the digest instead
of an incident, and acknowledges every open incident of it for its person (one contract
acknowledgement each).

A link acts only for a person still in the config, for an incident the database knows and has
not resolved, and before it expires (:mod:`muster.worker.core.intake.ack_tokens`); when the database
cannot be read the page says so rather than claim an acknowledgement it cannot check.
"""

from __future__ import annotations

import html

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from muster.worker.client import BrokerUnavailable
from muster.worker.core.intake.ack_tokens import (
    AckToken,
    Refusal,
    incident_refusal,
    refusal,
    verify,
)
from muster.worker.core.rendering.digest import DIGEST_SUBJECT
from muster.worker.messages import InvalidMessage
from muster.worker.tasks.names import ACKNOWLEDGED
from muster.worker.web.context import WebContext
from muster.worker.web.database import database_errors

log = structlog.get_logger("muster.web")

router = APIRouter(tags=["acknowledgements"], include_in_schema=False)
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
RETRY_AFTER = 5  # seconds, on the page of a broker that cannot take the acknowledgement now
UNKNOWN = "Unknown link."
STATUS = {
    Refusal.EXPIRED: 410,
    Refusal.RESOLVED: 410,
    Refusal.NOT_A_PERSON: 410,
    Refusal.NO_INCIDENT: 404,
    Refusal.UNREADABLE: 503,
}


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
        return page(UNKNOWN, 404)
    return None


def _refused(why: Refusal) -> HTMLResponse:
    log.info("ack.link_refused", reason=why.name.lower())
    return page(html.escape(why.value), STATUS[why])


def _checked(context: WebContext, token: str) -> AckToken | HTMLResponse:
    """The token if it is genuine, for a current person and not expired by age; else the page
    saying why not. The incident's state is checked apart (a digest names several)."""
    ack = context.config().ack
    found = verify(ack.secret, token) if ack else None
    if ack is None or found is None:
        return page(UNKNOWN, 404)
    why = refusal(found, context.config().people, ack.expires, context.now())
    return found if why is None else _refused(why)


def _incident(context: WebContext, found: AckToken) -> HTMLResponse | None:
    """The page refusing the link because of its incident's state, or None: it acts."""
    state, readable = None, context.incidents is not None
    if context.incidents is not None:
        try:
            state = context.incidents.state(found.incident_id)
        except database_errors() as problem:
            log.warning("web.database_unavailable", error=type(problem).__name__)
            readable = False
    why = incident_refusal(state, readable)
    return None if why is None else _refused(why)


def _digest_states(context: WebContext, digest: str, person: str) -> dict[str, str] | None:
    """Incident → state, for each incident of ``person``'s digest (None: the database cannot
    say now)."""
    if context.incidents is None:
        return None
    try:
        return context.incidents.digested(digest, person)
    except database_errors() as problem:
        log.warning("web.database_unavailable", error=type(problem).__name__)
        return None


def _digest(context: WebContext, digest: str, person: str, acknowledge: bool) -> HTMLResponse:
    """A digest's link: it acknowledges every open incident of the digest for its person."""
    states = _digest_states(context, digest, person)
    if states is None:
        return page("The incidents of this digest cannot be read right now: try again.", 503)
    if not states:  # no digest of this person's muster knows
        return _refused(Refusal.NO_INCIDENT)
    incidents = [incident for incident, state in states.items() if state != "resolved"]
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


def _answer(context: WebContext, token: str, acknowledge: bool) -> HTMLResponse:
    found = _checked(context, token)
    if isinstance(found, HTMLResponse):
        return found
    if found.incident_id.startswith(DIGEST_SUBJECT):
        digest = found.incident_id.removeprefix(DIGEST_SUBJECT)
        return _digest(context, digest, found.person, acknowledge)
    refused = _incident(context, found)
    if refused is not None:
        return refused
    who, what = html.escape(found.person), html.escape(found.incident_id)
    if not acknowledge:
        return page(
            f"<p>Acknowledge incident <b>{what}</b> as <b>{who}</b>? This stops your escalation "
            "for this incident.</p><form method='post'><button type='submit'>Acknowledge</button>"
            "</form>"
        )
    refused = _queued(context, [found.incident_id], found.person)
    if refused is not None:
        return refused
    log.info("ack.link_used", incident_id=found.incident_id, person=found.person)
    return page(f"Acknowledged: <b>{what}</b> as <b>{who}</b>.")


@router.get("/ack/{token}")
def confirm(token: str, request: Request) -> HTMLResponse:
    """The confirmation page: which incident, as whom, and the one button."""
    return _answer(request.app.state.context, token, acknowledge=False)


@router.post("/ack/{token}")
def acknowledge(token: str, request: Request) -> HTMLResponse:
    """Queue the acknowledgement the token names."""
    return _answer(request.app.state.context, token, acknowledge=True)
