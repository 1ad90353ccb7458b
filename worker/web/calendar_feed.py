"""``GET /calendar/TOKEN.ics``: a person's or a rotation's final shifts as a calendar clients
subscribe to, a year ahead, the same file ``muster calendar export`` writes.

The signed token (``muster calendar link``) is the credential, as a calendar client sends no
other: any token that does not verify — altered, signed with an old secret, revoked, naming
someone the config no longer has — is 404, saying no more. The access log masks it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from muster.worker.core.intake.feed_tokens import FeedKind, verify
from muster.worker.core.paging.duties import final_shifts, narrowed, rotations_of
from muster.worker.core.rendering.calendar import calendar_events, horizon, ics
from muster.worker.web.reading import routing_of, with_past

router = APIRouter(tags=["calendar"], include_in_schema=False)
MONTHS = 12
NOT_FOUND = "No calendar here: the link is unknown, revoked or no longer valid."


@router.get("/calendar/{token}.ics")
def feed(token: str, request: Request) -> Response:
    """The calendar the token names, or 404."""
    context = request.app.state.context
    routing = routing_of(context.config())
    feeds = routing.config.calendar
    found = None if feeds is None else verify(feeds.secret, token, feeds.revoked)
    if found is None:
        return PlainTextResponse(NOT_FOUND, status_code=404)
    start = context.now()
    end = horizon(start, MONTHS)
    routing = with_past(context, routing, start)
    if found.kind is FeedKind.PERSON:
        if found.subject not in routing.config.people:
            return PlainTextResponse(NOT_FOUND, status_code=404)
        chosen = rotations_of(routing, found.subject)
        duties = narrowed(final_shifts(routing, start, end, rotations=chosen), person=found.subject)
    else:
        if found.subject not in routing.rotations:
            return PlainTextResponse(NOT_FOUND, status_code=404)
        duties = final_shifts(routing, start, end, rotations=frozenset({found.subject}))
    name = f"On call: {found.subject} (muster)"
    content = ics(calendar_events(routing, duties, start, end), name, start)
    return Response(
        content,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=900"},
    )
