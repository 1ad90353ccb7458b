"""``POST /v1/replies/sms``: an SMS reply with a page's code acknowledges for its sender.

The inbound-SMS webhook of the SMS provider posts here (Twilio's form fields ``From`` and
``Body``; SMSEagle and others can post the same two fields), authenticated as an intake caller
(a bearer token, or the token as the password of a URL's basic credentials:
``https://twilio:TOKEN@muster.example.com/v1/replies/sms``). The sending number must be a
person's configured ``sms`` address; the code must be that of an open incident the person was
paged for. The answer is TwiML, so the provider texts the person what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from threading import Lock
from typing import Annotated, Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

import structlog
from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response, status
from fastapi.routing import APIRoute

from muster.worker.core.config.intake import Twilio
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.config.scopes import Scope
from muster.worker.core.intake.reply_codes import matching, read_reply
from muster.worker.core.intake.reply_guard import LOCKOUT, Guard
from muster.worker.core.intake.twilio_signature import signed_urls, twilio_signed
from muster.worker.tasks.names import ACKNOWLEDGED
from muster.worker.web.auth import (
    BASIC_CHALLENGE,
    Unauthorized,
    authorised,
    basic_credentials,
    needing,
)
from muster.worker.web.context import WebContext
from muster.worker.web.database import database_errors
from muster.worker.web.lookups import IncidentLookups
from muster.worker.web.metrics import LOCKOUTS, REFUSED
from muster.worker.web.publishing import queue

log = structlog.get_logger("muster.web")


class BodyFirst(APIRoute):
    """A route whose caller is authenticated, and whose body is read whole, before its form is
    parsed: FastAPI parses a form before solving any dependency, so an unknown caller's
    malformed form got a 400 from the parser rather than a 401; and a caller that signs its
    bodies has the signature checked over those bytes (:mod:`muster.worker.web.auth`), which a
    form parsed first would have consumed (every signed reply was a 500)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def read_first(request: Request) -> Response:
            try:
                caller = await authorised(request, Scope.REPLIES)  # 401/403 before any parsing
            except Unauthorized as refused:
                # Twilio sends a webhook URL's credentials only when challenged for Basic.
                raise Unauthorized(refused.detail, BASIC_CHALLENGE) from None
            body = await request.body()  # kept on the request: the form is parsed from these
            twilio = request.app.state.context.config().intake.callers[caller].twilio
            if twilio is not None and not signed_by_twilio(twilio, request, body):
                REFUSED.labels(caller, "bad_signature").inc()
                log.warning("web.reply_refused", caller=caller, reason="bad twilio signature")
                raise HTTPException(status.HTTP_403_FORBIDDEN, f"missing or wrong {TWILIO_HEADER}")
            return await handler(request)

        return read_first


def signed_by_twilio(twilio: Twilio, request: Request, body: bytes) -> bool:
    """Whether the request carries Twilio's signature of the configured public URL and the
    posted form (a form that is not UTF-8 is nobody's: unsigned)."""
    try:
        params = parse_qsl(body.decode(), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return False
    given = request.headers.get(TWILIO_HEADER)
    urls = signed_urls(twilio.public_url, basic_credentials(request))
    return twilio_signed(twilio.auth_token, urls, params, given)


router = APIRouter(prefix="/v1/replies", tags=["replies"], route_class=BodyFirst)
Caller = Annotated[str, Depends(needing(Scope.REPLIES))]
TWILIO_HEADER = "X-Twilio-Signature"
GUARDING = Lock()  # the routes run on worker threads (the in-memory guard's state is shared)
LOCKOUT_MINUTES = int(LOCKOUT.total_seconds() // 60)
LOCKED = (
    f"Too many wrong codes from this number: it is locked for {LOCKOUT_MINUTES} minutes."
    " Use the Acknowledge link."
)


def twiml(text: str, status_code: int = 200) -> Response:
    """A TwiML answer: the provider texts ``text`` back to the sender."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Message>{escape(text)}</Message></Response>"
    )
    return Response(body, status_code=status_code, media_type="text/xml")


def sender_person(config: RoutingConfig, number: str) -> str | None:
    """The person whose ``sms`` address is ``number``."""
    # Imported by the first reply: a web process that never gets one (most take only webhooks)
    # does not hold phonenumbers' metadata (issue 19, the web's memory).
    from muster.worker.core.intake.phone_numbers import same_number  # noqa: PLC0415

    for person_id, person in config.people.items():
        if same_number(person.addresses.get("sms", ""), number):
            return person_id
    return None


@router.post("/sms")
def sms_reply(
    request: Request,
    caller: Caller,
    sender: Annotated[str, Form(alias="From", max_length=64)],
    body: Annotated[str, Form(alias="Body", max_length=1600)],
) -> Response:
    """Acknowledge the incident whose reply code the sender texted back."""
    context: WebContext = request.app.state.context
    if context.incidents is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "SMS replies need the database")
    try:
        return _reply(request, context, context.incidents, caller, sender, body)
    except database_errors() as problem:  # the guard's rows or the open pages: nothing is done
        log.warning("web.database_unavailable", error=type(problem).__name__)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "try again") from None


def _reply(
    request: Request,
    context: WebContext,
    incidents: IncidentLookups,
    caller: str,
    sender: str,
    body: str,
) -> Response:
    """The reply judged: the overall cap, the sender, the number's lockout, then the code."""
    now = context.now()
    guard = context.reply_guard
    with GUARDING:
        crowded = guard.overall_full(now)
    if crowded:
        REFUSED.labels(caller, "rate_limited").inc()
        log.warning("web.reply_refused", caller=caller, reason="overall reply limit")
        return twiml("Too many SMS replies just now: use the Acknowledge link.", 429)
    person = sender_person(context.config(), sender)
    if person is None:  # no reply: a stranger's number gets no text from muster
        with GUARDING:
            guard.refuse(now)
        REFUSED.labels(caller, "unknown_number").inc()
        log.info("web.reply_refused", caller=caller, reason="unknown number")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the sending number is nobody's")
    with GUARDING:
        locked_until = guard.locked_until(person, now)
        if locked_until is not None:
            guard.refuse(now)
    if locked_until is not None:
        REFUSED.labels(caller, "locked_out").inc()
        log.warning("web.reply_refused", caller=caller, person=person, reason="locked out")
        return twiml(f"{LOCKED} Nothing done.", 429)
    code = read_reply(body)
    candidates = matching(code, incidents.open_paged(person)) if code else []
    if len(candidates) > 1:
        REFUSED.labels(caller, "unknown_code").inc()
        log.info("web.reply_refused", caller=caller, person=person, reason="ambiguous code")
        return twiml(f"Two open incidents have code {code}: use the Acknowledge link instead.")
    if not candidates:
        return _wrong_code(caller, person, guard, now)
    incident_id = candidates[0]
    queue(request, ACKNOWLEDGED, {"incident_id": incident_id, "person": person}, caller)
    return twiml(f"Acknowledged {incident_id} for you ({person}).")


def _wrong_code(caller: str, person: str, guard: Guard, now: datetime) -> Response:
    """A wrong code (or none) counts towards the number's lockout, which it may start."""
    with GUARDING:
        locks = guard.wrong_code(person, now)
    REFUSED.labels(caller, "unknown_code").inc()
    text = "No open incident of yours has that code (resolved already?). Nothing done."
    if not locks:
        log.info("web.reply_refused", caller=caller, person=person, reason="no such code")
        return twiml(text)
    LOCKOUTS.labels(caller).inc()
    log.warning("web.reply_lockout", caller=caller, person=person, minutes=LOCKOUT_MINUTES)
    return twiml(f"{text} {LOCKED}")
