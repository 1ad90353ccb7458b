"""Who is calling: a bearer token per caller, and a body signature where the caller signs.

Tokens are compared in constant time against every caller's (a timing difference must not
tell how much of a guess was right), never logged; the caller's name, not its token, is what
the accepted message records as its source. A stamped signature is accepted once: the same one
again, from any web process, is a replay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import structlog
from fastapi import HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from muster.worker.core.config.intake import Caller, Signature
from muster.worker.core.config.scopes import Scope
from muster.worker.core.intake.signed_stamps import Fresh, check_stamp
from muster.worker.store import SeenUnavailable
from muster.worker.web.context import WebContext
from muster.worker.web.metrics import REFUSED

log = structlog.get_logger("muster.web")


BASIC_CHALLENGE = 'Basic realm="muster"'  # what a URL's credentials are sent after (Twilio)


class Unauthorized(HTTPException):
    """401 with a reason and the scheme to use."""

    def __init__(self, reason: str, challenge: str = "Bearer") -> None:
        super().__init__(
            status.HTTP_401_UNAUTHORIZED, reason, headers={"WWW-Authenticate": challenge}
        )


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or the password of a Basic one (an
    SMS provider such as Twilio can only put credentials in the webhook URL), if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        credentials = basic_credentials(request)
        return credentials.partition(":")[2] or None if credentials else None
    return token.strip() or None if scheme.lower() == "bearer" else None


def basic_credentials(request: Request) -> str | None:
    """The ``user:password`` of an ``Authorization: Basic …`` header, if any."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(encoded.strip(), validate=True).decode() or None
    except (ValueError, UnicodeDecodeError):
        return None


def find_caller(callers: dict[str, Caller], token: str) -> str | None:
    """The caller whose token this is; every caller's token is compared, whatever matches."""
    found = None
    given = token.encode()
    for name, caller in callers.items():
        if hmac.compare_digest(given, caller.token.encode()):
            found = name
    return found


@dataclass(frozen=True)
class Accepted:
    """A signed request's signature, as a digest, and when it may be forgotten (its stamp then
    too old): the same signature before then is a replay."""

    digest: str
    expires_at: datetime


def verify_signature(
    signature: Signature, request: Request, body: bytes, now: datetime
) -> Accepted | None:
    """Refuse a body whose HMAC-SHA256 (over ``TIMESTAMP:BODY`` with a timestamp header) is
    missing or wrong, or whose timestamp is not fresh
    (:mod:`muster.worker.core.intake.signed_stamps`);
    what to remember against a replay when it is stamped (None: it is not, and cannot be told
    from a replay)."""
    given = request.headers.get(signature.header, "")
    signed = body
    fresh: Fresh | None = None
    if signature.timestamp_header:
        stamp = request.headers.get(signature.timestamp_header, "")
        checked = check_stamp(stamp, now.timestamp(), signature.max_age.total_seconds())
        if isinstance(checked, str):
            raise Unauthorized(f"{signature.timestamp_header}: {checked}")
        fresh = checked
        signed = stamp.encode() + b":" + body
    expected = hmac.new(signature.secret.encode(), signed, hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(given.lower().encode(), expected.encode()):
        raise Unauthorized(f"missing or wrong {signature.header}")
    if fresh is None:
        return None
    return Accepted(
        digest=hashlib.sha256(f"{signature.header}:{expected}".encode()).hexdigest(),
        expires_at=datetime.fromtimestamp(fresh.expires_at, UTC),
    )


def refuse_replay(request: Request, context: WebContext, accepted: Accepted) -> None:
    """401 when this signature was accepted before (by any web process sharing the store); 503
    when the store cannot tell (monitoring retries; a replay must not slip through)."""
    try:
        first = context.seen.first_sight(accepted.digest, accepted.expires_at, context.now())
    except SeenUnavailable as problem:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"cannot check the signature against replays ({problem}): the database is"
            " unavailable; retry",
            headers={"Retry-After": "5"},
        ) from None
    if not first:
        raise Unauthorized("this signed request was already accepted (a replay?)")
    request.state.signature = accepted.digest


def forget_signature(request: Request) -> None:
    """Unrecord this request's signature, if it was recorded: it was not queued, and the
    caller's retry of the same signed request must be taken (a real alert always pages)."""
    digest = getattr(request.state, "signature", None)
    if digest is None:
        return
    try:
        request.app.state.context.seen.forget(digest)
    except SeenUnavailable:
        log.error("web.signature_not_forgotten", reason="the database is unavailable")


async def authenticate(request: Request, context: WebContext) -> str:
    """The calling caller's name, or 401; checks the body's signature if the caller signs."""
    callers = context.config().intake.callers
    if not callers:
        REFUSED.labels("", "unauthorized").inc()
        raise Unauthorized("no callers are configured: add intake.callers to the routing config")
    token = bearer_token(request)
    name = find_caller(callers, token) if token else None
    if name is None:
        REFUSED.labels("", "unauthorized").inc()
        raise Unauthorized("missing or unknown bearer token")
    signature = callers[name].signature
    if signature is not None:
        try:
            accepted = verify_signature(signature, request, await request.body(), context.now())
            if accepted is not None:
                # A database write (and SQLite may wait on the worker's lock): off the loop.
                await run_in_threadpool(refuse_replay, request, context, accepted)
        except Unauthorized:
            REFUSED.labels(name, "bad_signature").inc()
            raise
    return name


async def caller_name(request: Request) -> str:
    """FastAPI dependency: the authenticated caller of this request."""
    context: WebContext = request.app.state.context
    return await authenticate(request, context)


async def authorised(request: Request, scope: Scope) -> str:
    """The authenticated caller, if it has ``scope``; 403 naming the scope if it has not."""
    context: WebContext = request.app.state.context
    name = await authenticate(request, context)
    if not context.config().intake.callers[name].may(scope):
        REFUSED.labels(name, "scope").inc()
        log.info("web.scope_refused", caller=name, scope=str(scope))
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"caller {name!r} lacks the scope {str(scope)!r}"
        )
    return name


@cache
def needing(scope: Scope) -> Callable[[Request], Awaitable[str]]:
    """FastAPI dependency: the caller of this request, which has ``scope`` (one function per
    scope, so a route and its body's parser share one solved dependency)."""

    async def scoped_caller(request: Request) -> str:
        return await authorised(request, scope)

    return scoped_caller
