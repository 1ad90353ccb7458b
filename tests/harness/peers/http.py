"""The HTTP peers' base: a threaded server that records requests and fails on purpose."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, Self, TypeVar
from urllib.parse import parse_qs, urlsplit

from tests.harness.peers.common import DEFAULT_TIMEOUT, HOST, POLL_INTERVAL, Peer, wait_until


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
    connection: int = 0  # the client's port: one per TCP connection

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


class HttpPeer(Peer, Generic[MessageT]):
    """A real HTTP server (``ThreadingHTTPServer``) on 127.0.0.1, in a daemon thread.

    Subclasses answer a service's API in :meth:`respond` and turn accepted requests into
    messages in :meth:`to_messages`. Faults: :meth:`fail_next` (error statuses), :meth:`refuse`
    (every request to a recipient, as :meth:`recipients` reads them, fails), :attr:`delay`
    (seconds to wait before answering each request), :meth:`set_down` / :meth:`set_up` (close
    the listening socket so connections are refused / bind the same port again).

    It speaks HTTP/1.0, one request a connection, unless :attr:`keep_alive` (HTTP/1.1, as real
    providers do: a connection serves request after request); :attr:`hang_up_when_idle` closes
    a kept-alive connection after each answer without saying so, as a provider does with idle
    connections (:meth:`wait_for_hang_ups` waits until it has).
    """

    service: ClassVar[str] = "HTTP"
    keep_alive: bool = False
    hang_up_when_idle: bool = False

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
        self._hung_up = 0
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
                kwargs={"poll_interval": POLL_INTERVAL},
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

    @property
    def is_up(self) -> bool:
        """Whether the server is listening."""
        return self._server is not None

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
        wait_until(
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
        wait_until(
            self._cond,
            lambda: len(self._requests) >= count,
            timeout,
            lambda: f"{len(self._requests)} of {count} requests: {self._requests!r}",
        )
        return self.requests

    def wait_for_hang_ups(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until the peer closed ``count`` connections after answering
        (``hang_up_when_idle``)."""
        wait_until(
            self._cond,
            lambda: self._hung_up >= count,
            timeout,
            lambda: f"{self._hung_up} of {count} connections closed",
        )

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
                    connection=handler.client_address[1],
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
        if self.hang_up_when_idle:
            handler.close_connection = True
            with contextlib.suppress(OSError):  # the client learns it now, not when the thread ends
                handler.connection.shutdown(socket.SHUT_RDWR)
            with self._cond:
                self._hung_up += 1
                self._cond.notify_all()

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
        """Hands every request to the peer; HTTP/1.0, so each connection carries one request,
        unless the peer keeps connections alive."""

        def setup(self) -> None:
            if peer.keep_alive:
                self.protocol_version = "HTTP/1.1"
                self.disable_nagle_algorithm = True  # a small answer is not held for an ACK
            super().setup()

        def do_POST(self) -> None:
            peer._serve(self)

        do_GET = do_PUT = do_DELETE = do_PATCH = do_POST  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    return Handler
