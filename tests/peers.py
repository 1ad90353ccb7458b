"""Real protocol peers on 127.0.0.1 for integration tests: nothing in Apprise is mocked.

* :class:`SmtpPeer` - an aiosmtpd SMTP server that Apprise's ``mailto://`` plugin delivers to.
* :class:`MattermostPeer` - a Mattermost incoming-webhook endpoint (``mmost://``).
* :class:`SmsPeer` - a signal-cli REST API (``signal://``, ``POST /v2/send``, answers 201).

Every peer binds a free port on 127.0.0.1, records what it receives (thread-safe), can be made to
fail (``fail_next``; HTTP peers can add headers such as ``Retry-After`` to the failures, fail
each destination's first requests with ``fail_each``, and hold a request past the client's
timeout with ``Reply.hang``), refuse everything to one recipient for good (``refuse``: one
person whose every channel fails), or disappear (``set_down`` closes the listening socket, so
connections are refused; ``set_up`` binds the same port again), and hands out the Apprise URL
template, with the person's address as a ``{email}`` / ``{chat}`` / ``{sms}`` placeholder, that
reaches it.

The fixtures ``smtp_peer``, ``chat_peer`` and ``sms_peer`` (in ``conftest.py``) start one for a
test and stop it after.

Apprise facts these peers were built against (Apprise 2.3, see tests/channels/test_peers.py):

* Apprise throttles consecutive requests of the same plugin *instance* (``request_rate_per_sec``:
  5.5 s for E-Mail and Signal, 0.02 s for Mattermost); no URL parameter changes it. A fresh
  ``Apprise()`` per send is never throttled; :func:`unthrottle` sets the attribute to 0 on every
  service already added to an ``Apprise`` object.
* ``mailto://`` needs a ``from=`` address with a dotted domain (``muster@test`` is rejected) and
  defaults to HTML: pass ``body_format="text"`` to ``notify`` for a verbatim plain-text body.
* Mattermost and Signal have no title: Apprise sends ``title + "\\r\\n" + body`` as the text.
* Apprise decodes a URL before splitting its target list, so an address holding a comma, a
  semicolon or a space reaches several destinations even when percent-encoded.
* A reply slower than ``?rto=`` fails the send although the peer has recorded the message.
"""

from __future__ import annotations

import contextlib
import email
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Generic, NamedTuple, Self, TypeVar
from urllib.parse import parse_qs, quote, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"

# The Mattermost webhook token a MattermostPeer accepts unless given another.
HOOK_TOKEN = "muster-hook-token"

# The number a SmsPeer sends from unless given another.
SMS_SOURCE = "+15550000000"

# How long wait_for() waits by default: generous, since a passing test never waits this long.
DEFAULT_TIMEOUT = 5.0

# How often a serve_forever() loop checks for shutdown; keeps set_down()/stop() fast.
_POLL_INTERVAL = 0.02

__all__ = [
    "HOOK_TOKEN",
    "SMS_SOURCE",
    "ChatMessage",
    "HttpPeer",
    "MattermostPeer",
    "ReceivedMail",
    "RecordedRequest",
    "Reply",
    "SmsMessage",
    "SmsPeer",
    "SmtpPeer",
    "free_port",
    "unthrottle",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def unthrottle(apobj: Any) -> None:
    """Turn off Apprise's per-instance request spacing for every service in ``apobj``.

    Apprise sleeps up to ``request_rate_per_sec`` seconds (5.5 for E-Mail and Signal) before a
    request when the same plugin instance made one less than that long ago. There is no URL
    parameter for it; the attribute on the instance is the only switch.
    """
    for service in apobj:
        service.request_rate_per_sec = 0


def _wait_until(
    condition: threading.Condition,
    ready: Callable[[], bool],
    timeout: float,
    describe: Callable[[], str],
) -> None:
    """Wait (holding ``condition``) until ``ready()``; fail the test with ``describe()`` if not."""
    deadline = time.monotonic() + timeout
    with condition:
        while not ready():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s: {describe()}")
            condition.wait(remaining)


# --------------------------------------------------------------------------------------------
# SMTP


@dataclass(frozen=True)
class ReceivedMail:
    """One mail an :class:`SmtpPeer` accepted.

    ``text`` is the decoded text/plain part (the whole body for a single-part mail) with CRLF
    turned into LF and trailing newlines dropped; ``html`` is the text/html part, if any.
    """

    mail_from: str
    rcpt_tos: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    message: EmailMessage | None = field(default=None, compare=False, repr=False)


def _parse_mail(envelope: Envelope) -> ReceivedMail:
    """Decode what an SMTP client sent into a :class:`ReceivedMail`."""
    raw = envelope.original_content or envelope.content or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    parts: dict[str, str] = {}
    for part in message.walk():
        kind = part.get_content_type()
        if not part.is_multipart() and kind in ("text/plain", "text/html") and kind not in parts:
            assert isinstance(part, EmailMessage)
            parts[kind] = str(part.get_content())

    def normal(text: str) -> str:
        return text.replace("\r\n", "\n").rstrip("\n")

    html = parts.get("text/html")
    return ReceivedMail(
        mail_from=envelope.mail_from or "",
        rcpt_tos=tuple(envelope.rcpt_tos),
        subject=str(message.get("Subject", "")),
        text=normal(parts.get("text/plain", "")),
        html=None if html is None else normal(html),
        message=message,
    )


class SmtpPeer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1: no TLS; no authentication unless given
    ``credentials`` (then AUTH PLAIN/LOGIN is required, over plain text: it is loopback).

    ``fail_next(n)`` makes the next ``n`` mails get an SMTP error reply at DATA; ``refuse(a)``
    fails every mail to ``a``; ``set_down()`` stops the server (connections are refused) and
    ``set_up()`` starts it on the same port.
    """

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        """Prepare the peer on a free port; it listens once started (``with`` or ``start()``)."""
        self.credentials = credentials
        self.port = free_port()
        self._cond = threading.Condition()
        self._messages: list[ReceivedMail] = []
        self._failures: list[str] = []
        self._refused: dict[str, str] = {}
        self._attempts = 0
        self._controller: Controller | None = None

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on the peer's port (again, after ``set_down``)."""
        if self._controller is None:
            auth: dict[str, Any] = {}
            if self.credentials is not None:
                auth = {
                    "authenticator": self._authenticate,
                    "auth_required": True,
                    "auth_require_tls": False,
                }
            controller = Controller(_SmtpHandler(self), hostname=HOST, port=self.port, **auth)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening and close the listening socket (idempotent)."""
        if self._controller is not None:
            controller, self._controller = self._controller, None
            controller.stop()

    def set_down(self) -> None:
        """Make the server unreachable: connections to its port are refused."""
        self.stop()

    def set_up(self) -> None:
        """Bring the server back on the same port."""
        self.start()

    @property
    def is_up(self) -> bool:
        """Whether the server is listening."""
        return self._controller is not None

    def __enter__(self) -> Self:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    # faults and records ----------------------------------------------------------------------

    def fail_next(self, n: int = 1, reply: str = "451 4.3.0 Temporary failure, try again") -> None:
        """Answer the DATA of the next ``n`` mails with ``reply`` (an SMTP status line)."""
        with self._cond:
            self._failures.extend([reply] * n)

    def refuse(self, *addresses: str, reply: str = "550 5.1.1 Mailbox unavailable") -> None:
        """Answer the DATA of every mail to any of ``addresses`` with ``reply``, from now on."""
        with self._cond:
            self._refused.update(dict.fromkeys(addresses, reply))

    @property
    def messages(self) -> list[ReceivedMail]:
        """The mails accepted so far, oldest first (a copy)."""
        with self._cond:
            return list(self._messages)

    @property
    def attempts(self) -> int:
        """How many mails reached DATA, accepted or failed on purpose."""
        with self._cond:
            return self._attempts

    def clear(self) -> None:
        """Forget every recorded mail and pending fault."""
        with self._cond:
            self._messages.clear()
            self._failures.clear()
            self._refused.clear()
            self._attempts = 0

    def wait_for(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[ReceivedMail]:
        """Wait until at least ``count`` mails were accepted; return them all."""
        _wait_until(
            self._cond,
            lambda: len(self._messages) >= count,
            timeout,
            lambda: f"{len(self._messages)} of {count} mails received: {self._messages!r}",
        )
        return self.messages

    def url_template(self, sender: str = "muster@example.test", login: str = "") -> str:
        """The Apprise ``mailto://`` template reaching this server; ``{email}`` is the recipient.

        Plain SMTP (``mailto``, not ``mailtos``): Apprise then uses no TLS, and no login without a
        user and password (``login``: ``user:password``, as the URL's credentials). ``sender``
        needs a dotted domain: Apprise rejects ``muster@test``.
        """
        credentials = f"{login}@" if login else ""
        query = f"from={quote(sender, safe='@+')}&to={{email}}"
        return f"mailto://{credentials}{HOST}:{self.port}?{query}"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """aiosmtpd's authenticator: the one user and password this peer was given."""
        given = (
            (data.login.decode(), data.password.decode())
            if isinstance(data, LoginPassword)
            else None
        )
        return AuthResult(success=given == self.credentials)

    def _received(self, envelope: Envelope) -> str:
        """Record one mail (called on the server's thread); return the SMTP reply."""
        with self._cond:
            self._attempts += 1
            if self._failures:
                self._cond.notify_all()
                return self._failures.pop(0)
            refused = [self._refused[to] for to in envelope.rcpt_tos if to in self._refused]
            if refused:
                self._cond.notify_all()
                return refused[0]
            self._messages.append(_parse_mail(envelope))
            self._cond.notify_all()
            return "250 2.0.0 OK: queued"

    def __repr__(self) -> str:
        """Where the peer listens and what it holds."""
        return f"<SmtpPeer {HOST}:{self.port} up={self.is_up} mails={len(self._messages)}>"


class _SmtpHandler:
    """The aiosmtpd handler: hands each mail to its :class:`SmtpPeer`."""

    def __init__(self, peer: SmtpPeer) -> None:
        self._peer = peer

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Accept (or fail on purpose) one mail."""
        return self._peer._received(envelope)


# --------------------------------------------------------------------------------------------
# HTTP


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request an :class:`HttpPeer` answered, with the status it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any
    status: int  # 0: the peer never answered (``Reply.hang``)
    received_at: float = 0.0  # time.monotonic() when the request arrived

    @property
    def accepted(self) -> bool:
        """Whether the peer answered with a 2xx status."""
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Reply:
    """What a peer answers: a status, a body, its content type and any other headers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    hold: float = 0.0  # seconds to wait before answering (or hanging up)

    @classmethod
    def hang(cls, seconds: float) -> Reply:
        """No answer: the connection is held ``seconds`` (longer than the client's read timeout)
        and then closed without a status line, as a gateway that accepted and stalled does."""
        return cls(0, hold=seconds)

    @classmethod
    def json(cls, status: int, document: Any, headers: dict[str, str] | None = None) -> Reply:
        """A JSON reply."""
        return cls(status, json.dumps(document).encode("utf-8"), headers=_pairs(headers))


def _pairs(headers: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple((headers or {}).items())


MessageT = TypeVar("MessageT")


class HttpPeer(Generic[MessageT]):
    """A real HTTP server (``ThreadingHTTPServer``) on 127.0.0.1, in a daemon thread.

    Subclasses answer a service's API in :meth:`respond` and turn accepted requests into
    messages in :meth:`to_messages`. Faults: :meth:`fail_next` (error statuses), :meth:`refuse`
    (every request to a recipient, as :meth:`recipients` reads them, fails), :attr:`delay`
    (seconds to wait before answering each request), :meth:`set_down` / :meth:`set_up` (close
    the listening socket so connections are refused / bind the same port again).
    """

    service: ClassVar[str] = "HTTP"

    def __init__(self, delay: float = 0.0) -> None:
        """Prepare the peer; it listens once started (``with`` or ``start()``)."""
        self.delay = delay
        self.port = 0
        self._cond = threading.Condition()
        self._requests: list[RecordedRequest] = []
        self._failures: list[Reply] = []
        self._refused: dict[str, Reply] = {}
        self._each: tuple[Reply, ...] = ()
        self._seen: dict[str, int] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen (on a free port the first time, on the same port after ``set_down``)."""
        if self._server is None:
            self._stopping.clear()
            server = ThreadingHTTPServer((HOST, self.port), _handler_class(self))
            server.daemon_threads = True
            self.port = server.server_address[1]
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": _POLL_INTERVAL},
                name=f"{type(self).__name__}:{self.port}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent); delayed replies are cut."""
        if self._server is not None:
            server, self._server = self._server, None
            self._stopping.set()
            server.shutdown()
            server.server_close()
            if self._thread is not None:
                self._thread.join()
                self._thread = None

    def set_down(self) -> None:
        """Make the service unreachable: the port is closed, connections are refused."""
        self.stop()

    def set_up(self) -> None:
        """Bring the service back on the same port."""
        self.start()

    @property
    def is_up(self) -> bool:
        """Whether the server is listening."""
        return self._server is not None

    def __enter__(self) -> Self:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{HOST}:{self.port}"

    # faults and records ----------------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``n`` requests with ``status`` (and ``body`` as JSON, if given), with
        ``headers`` too (``{"Retry-After": "5"}`` on a 429 or 503)."""
        document = body if body is not None else {"error": HTTPStatus(status).phrase}
        with self._cond:
            self._failures.extend([Reply.json(status, document, headers)] * n)

    def refuse(self, *recipients: str, status: int = 400) -> None:
        """Answer every request to any of ``recipients`` with ``status``, from now on: one
        person (or room) whose messages all fail while everyone else's arrive."""
        reply = Reply.json(status, {"error": HTTPStatus(status).phrase})
        with self._cond:
            self._refused.update(dict.fromkeys(recipients, reply))

    def fail_each(self, *replies: Reply) -> None:
        """Answer each destination's first requests with ``replies``, in order, then normally.

        Per destination (a chat channel, an SMS recipient), not per request: with fifty pages
        sent at once, every page then sees the same faults however its tries interleave with
        the others'. ``fail_each()`` with nothing turns it off; :meth:`clear` forgets who was
        seen."""
        with self._cond:
            self._each = replies
            self._seen.clear()

    def destination(self, payload: Any) -> str:
        """Who a request is for, as :meth:`fail_each` counts them."""
        return ",".join(self.recipients(payload))

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request answered so far, failed ones included, oldest first (a copy)."""
        with self._cond:
            return list(self._requests)

    @property
    def messages(self) -> list[MessageT]:
        """The messages delivered by accepted (2xx) requests, oldest first."""
        with self._cond:
            return self._messages_locked()

    def clear(self) -> None:
        """Forget every recorded request and pending fault."""
        with self._cond:
            self._requests.clear()
            self._failures.clear()
            self._refused.clear()
            self._seen.clear()

    def wait_for(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[MessageT]:
        """Wait until at least ``count`` messages were delivered; return them all."""
        _wait_until(
            self._cond,
            lambda: len(self._messages_locked()) >= count,
            timeout,
            lambda: (
                f"{len(self._messages_locked())} of {count} {self.service} messages delivered; "
                f"requests: {self._requests!r}"
            ),
        )
        return self.messages

    def wait_for_requests(
        self, count: int, timeout: float = DEFAULT_TIMEOUT
    ) -> list[RecordedRequest]:
        """Wait until at least ``count`` requests were answered, failed ones included."""
        _wait_until(
            self._cond,
            lambda: len(self._requests) >= count,
            timeout,
            lambda: f"{len(self._requests)} of {count} requests: {self._requests!r}",
        )
        return self.requests

    # the API, for subclasses -----------------------------------------------------------------

    def respond(self, method: str, path: str, payload: Any) -> Reply:
        """The service's answer to a request that is not failed on purpose (404 here)."""
        return Reply.json(404, {"error": "not found"})

    def to_messages(self, request: RecordedRequest) -> list[MessageT]:
        """The messages an accepted request delivered (none here)."""
        return []

    def recipients(self, payload: Any) -> list[str]:
        """Whom a request is addressed to, for :meth:`refuse` (nobody here)."""
        return []

    # internals -------------------------------------------------------------------------------

    def _messages_locked(self) -> list[MessageT]:
        return [m for r in self._requests if r.accepted for m in self.to_messages(r)]

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer one request (on a handler thread)."""
        arrived = time.monotonic()
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        try:
            payload: Any = json.loads(body) if body else None
        except ValueError:
            payload = None
        if self.delay > 0 and self._stopping.wait(self.delay):
            handler.close_connection = True
            return
        url = urlsplit(handler.path)
        reply = self._fault(payload)
        if reply is None:
            reply = self.respond(handler.command, url.path, payload)
        with self._cond:
            self._requests.append(
                RecordedRequest(
                    method=handler.command,
                    path=url.path,
                    query=parse_qs(url.query),
                    headers=dict(handler.headers.items()),
                    body=body,
                    json=payload,
                    status=reply.status,
                    received_at=arrived,
                )
            )
            self._cond.notify_all()
        if reply.hold > 0 and self._stopping.wait(reply.hold):
            reply = Reply.hang(0)
        if reply.status == 0:
            handler.close_connection = True
            return
        with contextlib.suppress(OSError):  # the client may have timed out and gone
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(reply.body)

    def _fault(self, payload: Any) -> Reply | None:
        """The failure this request gets on purpose, if any: ``fail_next``'s, else
        ``refuse``'s for its recipient, else ``fail_each``'s for its destination."""
        with self._cond:
            if self._failures:
                return self._failures.pop(0)
            refused = [self._refused[r] for r in self.recipients(payload) if r in self._refused]
            if refused:
                return refused[0]
            if not self._each:
                return None
            key = self.destination(payload)
            seen = self._seen.get(key, 0)
            self._seen[key] = seen + 1
            return self._each[seen] if seen < len(self._each) else None

    def __repr__(self) -> str:
        """Where the peer listens and what it holds."""
        return (
            f"<{type(self).__name__} {HOST}:{self.port} up={self.is_up} "
            f"requests={len(self._requests)}>"
        )


def _handler_class(peer: HttpPeer[Any]) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``peer``."""

    class Handler(BaseHTTPRequestHandler):
        """Hands every request to the peer; HTTP/1.0, so each connection carries one request."""

        def do_POST(self) -> None:
            peer._serve(self)

        do_GET = do_PUT = do_DELETE = do_PATCH = do_POST  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    return Handler


# --------------------------------------------------------------------------------------------
# Mattermost


class ChatMessage(NamedTuple):
    """A chat post: where it went (a channel name, or the webhook's own channel) and its text."""

    destination: str
    text: str


class MattermostPeer(HttpPeer[ChatMessage]):
    """A Mattermost server's incoming webhook, ``POST /hooks/<token>``, as Apprise's ``mmost://``
    plugin calls it.

    Answers ``200 ok`` (text/plain), as Mattermost does; an unknown hook gets 404 and a post
    without text 400, with Mattermost's JSON error body. A post names its channel in ``channel``;
    without one it goes to the webhook's own channel, ``default_channel``.

    Apprise's webhook mode accepts only ``[A-Za-z0-9_-]+`` channel names: a target such as
    ``@alice`` (a direct message, in Mattermost) or ``ann.smith`` is dropped with a warning, and
    the post goes to the webhook's own channel while ``notify`` still succeeds.
    """

    service = "Mattermost"

    def __init__(
        self,
        token: str = HOOK_TOKEN,
        default_channel: str = "town-square",
        delay: float = 0.0,
    ) -> None:
        """A webhook ``token`` posting to ``default_channel`` unless a post names another."""
        super().__init__(delay=delay)
        self.token = token
        self.default_channel = default_channel

    def respond(self, method: str, path: str, payload: Any) -> Reply:
        """Mattermost's answer to a webhook post."""
        if method != "POST" or path != f"/hooks/{self.token}":
            return Reply.json(
                404,
                {
                    "id": "web.incoming_webhook.invalid.app_error",
                    "message": "Invalid webhook.",
                    "status_code": 404,
                },
            )
        if not isinstance(payload, dict) or not payload.get("text"):
            return Reply.json(
                400,
                {
                    "id": "web.incoming_webhook.text.app_error",
                    "message": "No text specified",
                    "status_code": 400,
                },
            )
        return Reply(200, b"ok", "text/plain")

    def to_messages(self, request: RecordedRequest) -> list[ChatMessage]:
        """The post an accepted webhook request made."""
        payload = request.json if isinstance(request.json, dict) else {}
        channel = payload.get("channel") or self.default_channel
        return [ChatMessage(str(channel), str(payload.get("text", "")))]

    def recipients(self, payload: Any) -> list[str]:
        """The channel a post names (its webhook's own without one)."""
        channel = payload.get("channel") if isinstance(payload, dict) else None
        return [str(channel or self.default_channel)]

    def url_template(self) -> str:
        """The ``mmost://`` template posting to the channel named by the person's ``{chat}``.

        Plain ``mmost`` (not ``mmosts``) speaks http. The handle must match ``[A-Za-z0-9_-]+``.
        """
        return self.room_url("{chat}")

    def room_url(self, name: str) -> str:
        """The ``mmost://`` URL posting to channel ``name`` (a broadcast room)."""
        return f"mmost://{HOST}:{self.port}/{self.token}?to={name}"


# --------------------------------------------------------------------------------------------
# SMS (signal-cli REST API)


class SmsMessage(NamedTuple):
    """A text message: the recipient's E.164 number and the text."""

    to: str
    text: str


class SmsPeer(HttpPeer[SmsMessage]):
    """A signal-cli REST API (``bbernhard/signal-cli-rest-api``), as Apprise's ``signal://``
    plugin calls it: ``POST /v2/send`` with ``{"message", "number", "recipients", ...}``.

    Answers ``201 {"timestamp": ...}`` like the real API; a sender other than ``source`` gets
    400, as an unregistered number does. Apprise only checks for 200 or 201.
    """

    service = "Signal"

    def __init__(self, source: str = SMS_SOURCE, delay: float = 0.0) -> None:
        """A gateway sending from the registered number ``source``."""
        super().__init__(delay=delay)
        self.source = source

    def respond(self, method: str, path: str, payload: Any) -> Reply:
        """The signal-cli REST API's answer to a send."""
        if method != "POST" or path != "/v2/send":
            return Reply(404, b"404 page not found", "text/plain")
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("recipients"), list)
            or not payload["recipients"]
            or not isinstance(payload.get("message"), str)
        ):
            return Reply.json(400, {"error": "Couldn't process request - invalid request"})
        if payload.get("number") != self.source:
            return Reply.json(400, {"error": f"User {payload.get('number')} is not registered."})
        return Reply.json(201, {"timestamp": str(time.time_ns() // 1_000_000)})

    def to_messages(self, request: RecordedRequest) -> list[SmsMessage]:
        """One message per recipient of an accepted send."""
        payload = request.json if isinstance(request.json, dict) else {}
        text = str(payload.get("message", ""))
        return [SmsMessage(str(to), text) for to in payload.get("recipients", [])]

    def recipients(self, payload: Any) -> list[str]:
        """The numbers a send goes to."""
        to = payload.get("recipients") if isinstance(payload, dict) else None
        return [str(number) for number in to] if isinstance(to, list) else []

    def url_template(self) -> str:
        """The ``signal://`` template sending from ``source`` to the person's ``{sms}`` number.

        Plain ``signal`` (not ``signals``) speaks http.
        """
        return f"signal://{HOST}:{self.port}/{self.source}/{{sms}}"
