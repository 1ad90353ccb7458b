"""What the web refuses before queueing a contract message, so that 202 means the worker will
act on it rather than dead-letter it a moment later.

422 for a name the routing config does not define (the same check the worker and the CLI make:
:mod:`muster.worker.core.intake.message_names`), 404 for an incident id the database does not know.
The database is asked again for a short while before the 404 (:mod:`muster.worker.store.appearing`):
a declaration queued a moment ago may not be committed yet. An id that joined another incident by
fingerprint is known; a resolution by fingerprint is not checked (what a monitoring system
resolves may be a moment ahead of its declaration, and the worker waits for it). Where the
database cannot be read, the message is queued as it would be without the check.
"""

from __future__ import annotations

import threading

import structlog
from fastapi import HTTPException, Request, status

from muster.worker.core.intake.message_names import refusal
from muster.worker.messages import Acknowledged, Milestone, Resolved
from muster.worker.store.appearing import appears
from muster.worker.web.context import WebContext
from muster.worker.web.database import database_errors
from muster.worker.web.metrics import REFUSED

log = structlog.get_logger("muster.web")

# Requests waiting for an incident at once, each on a worker thread that queueing needs too (an
# alert's webhook among them): past this many, an unknown id is judged on one read, not waited for.
WAITING = threading.BoundedSemaphore(8)


def check_message(request: Request, message: object, caller: str) -> None:
    """Refuse ``message`` (an HTTP error) when the worker could only dead-letter it; run on a
    worker thread (the database may be waited on)."""
    context: WebContext = request.app.state.context
    reason = refusal(context.config(), message)
    if reason:
        REFUSED.labels(caller, "unknown_name").inc()
        log.info("web.refused", caller=caller, reason=reason)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, reason)
    incident_id = _addressed(message)
    if incident_id is not None and incident_known(context, incident_id) is False:
        REFUSED.labels(caller, "unknown_incident").inc()
        log.info("web.refused", caller=caller, reason="unknown incident", incident_id=incident_id)
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"unknown incident {incident_id!r}: no incident has this id (declare it first, or "
            "use the incident_id the declaration was answered with)",
        )


def incident_known(context: WebContext, incident_id: str) -> bool | None:
    """Whether the database knows ``incident_id`` (itself or as an alias), waiting up to the
    context's ``incident_wait`` for it; None when the database cannot say."""
    lookups = context.incidents
    if lookups is None:
        return None
    waits = WAITING.acquire(blocking=False)
    try:
        within = context.incident_wait if waits else 0
        return appears(lambda: lookups.state(incident_id) is not None, within)
    except database_errors() as problem:
        log.warning("web.database_unavailable", error=type(problem).__name__)
        return None
    finally:
        if waits:
            WAITING.release()


def _addressed(message: object) -> str | None:
    """The incident id a message acts on, if it must already exist."""
    if isinstance(message, Milestone | Acknowledged | Resolved):
        return message.incident_id
    return None
