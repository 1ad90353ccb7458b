"""Who is calling: a bearer token per caller, and a body signature where the caller signs.

Tokens are compared in constant time against every caller's (a timing difference must not
tell how much of a guess was right), never logged; the caller's name, not its token, is what
the accepted message records as its source.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from functools import cache

import structlog
from fastapi import HTTPException, Request, status

from muster.worker.core.intake_config import Caller, Signature
from muster.worker.core.scopes import Scope
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


def verify_signature(signature: Signature, request: Request, body: bytes, now: float) -> None:
    """Refuse a body whose HMAC-SHA256 (over ``TIMESTAMP:BODY`` with a timestamp header) is
    missing or wrong, or whose timestamp is older than the signature's ``max_age``."""
    given = request.headers.get(signature.header, "")
    signed = body
    if signature.timestamp_header:
        stamp = request.headers.get(signature.timestamp_header, "")
        try:
            age = now - float(stamp)
        except ValueError:
            raise Unauthorized(f"missing or malformed {signature.timestamp_header}") from None
        if abs(age) > signature.max_age.total_seconds():
            raise Unauthorized("the signature's timestamp is too old (a replay?)")
        signed = stamp.encode() + b":" + body
    expected = hmac.new(signature.secret.encode(), signed, hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(given.lower().encode(), expected.encode()):
        raise Unauthorized(f"missing or wrong {signature.header}")


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
            verify_signature(signature, request, await request.body(), time.time())
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
