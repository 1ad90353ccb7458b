"""The web server's own limits: how big a request's head may be and how long a client may take.

uvicorn bounds idle keep-alive connections (``timeout_keep_alive``) and connections per process
(``limit_concurrency``: 503 beyond), and with h11 a head's size; with httptools, its fast parser
and the one muster serves with, nothing bounds a head, and neither parser bounds time before a
request's head or body is whole. A client sending one byte a second, or 20 MB of headers, held
a connection (and the parser's buffer) as long as it liked: found in issue 20. So muster serves
with :class:`LimitedHttpToolsProtocol`, uvicorn's httptools protocol with those bounds added at
the parser's own callbacks, before any request reaches the app (or its authentication):

- a request's line and headers (its head) must arrive within ``header_timeout`` of the
  connection opening or of the request's first byte, else 408 and the connection is closed
  (without a 408 if nothing came);
- its body within ``body_timeout`` of its head, else the connection is closed (the app, reading
  the body, sees the client gone);
- the head at most ``max_head`` bytes and ``max_headers`` headers, else 431 and closed.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, cast

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from muster.config.settings import Settings


@dataclass(frozen=True)
class ServerLimits:
    """The bounds of one web process (``MUSTER_WEB_*`` settings; docs/operations/production.md)."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive: int = 5
    max_head: int = 32_768
    max_headers: int = 100
    max_connections: int = 1_000

    @classmethod
    def of(cls, settings: Settings) -> ServerLimits:
        return cls(
            header_timeout=settings.web_header_timeout,
            body_timeout=settings.web_body_timeout,
            keep_alive=settings.web_keep_alive,
            max_head=settings.web_max_head,
            max_headers=settings.web_max_headers,
            max_connections=settings.web_max_connections,
        )

    def uvicorn_options(self) -> dict[str, Any]:
        """The ``uvicorn.Config`` options that serve with these limits."""
        return {
            "http": _protocol(self),
            "timeout_keep_alive": self.keep_alive,
            "limit_concurrency": self.max_connections,
        }


class HeadRefused(Exception):
    """Stops the parser mid-head: the answer (431) is already written."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with :class:`ServerLimits` on each request's head and
    body."""

    def __init__(
        self,
        limits: ServerLimits,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        # One timer a request (a timer is most of what these limits cost a request): due when
        # the head is, and at its end moved on to the body's due time if that is later.
        self.deadline: asyncio.TimerHandle | None = None
        self.body_due: float | None = None  # loop time the body is due by, once the head is in
        self.in_head = True  # bytes received now belong to a request's head
        self.received = 0  # bytes received while in a head, as they come, parsed or not

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # From the connection's first moment: one that never sends is a slow head too.
        self._arm(self.loop.time() + self.limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():  # refused or cut off: the rest is not parsed
            return
        if self.in_head:
            self.received += len(data)
        super().data_received(data)
        # A header the parser is still buffering (no callback yet) counts here.
        if self.in_head and self.received > self.limits.max_head:
            self._refuse_head()

    def send_400_response(self, msg: str) -> None:
        if not self.transport.is_closing():  # not after muster's own refusal
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.deadline is None:  # a later request on a kept-alive connection
            self._arm(self.loop.time() + self.limits.header_timeout)

    def on_headers_complete(self) -> None:
        # The whole head may have come in one read with its body: measured as parsed, once,
        # only when the bytes received could hold too big a head.
        if len(self.headers) > self.limits.max_headers or (
            self.received > self.limits.max_head and self._head_size() > self.limits.max_head
        ):
            self._refuse_head()
            raise HeadRefused  # stops the parser: no app runs for this request
        self.in_head = False
        self.body_due = self.loop.time() + self.limits.body_timeout
        if self.deadline is None or self.deadline.when() > self.body_due:
            self._arm(self.body_due)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self.in_head = True
        self.received = 0
        self.body_due = None
        super().on_message_complete()

    def _head_size(self) -> int:
        return len(self.url) + sum(len(name) + len(value) for name, value in self.headers)

    def _refuse_head(self) -> None:
        self._answer_and_close(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)

    def _expired(self) -> None:
        self.deadline = None
        if self.in_head:
            self._head_too_slow()
        elif self.body_due is not None and self.body_due > self.loop.time():
            self._arm(self.body_due)  # the head was in time; the body is due later
        else:
            self._body_too_slow()

    def _head_too_slow(self) -> None:
        """408 to a client partway through a head; a connection that sent nothing is closed
        silently, as an idle one is (a client could take an unasked 408 for the answer to a
        request it sends that moment)."""
        if self.received:
            self._answer_and_close(HTTPStatus.REQUEST_TIMEOUT)
        elif not self.transport.is_closing():
            self.transport.close()

    def _body_too_slow(self) -> None:
        """The app is reading the body: it may not answer, so the connection just ends."""
        if not self.transport.is_closing():
            self.transport.close()

    def _answer_and_close(self, status: HTTPStatus) -> None:
        self._disarm()
        if self.transport.is_closing():
            return
        body = status.phrase.encode()
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s"
            % (status.value, body, len(body), body)
        )
        self.transport.close()

    def _arm(self, due: float) -> None:
        self._disarm()
        self.deadline = self.loop.call_at(due, self._expired)

    def _disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None


def _protocol(limits: ServerLimits) -> type[asyncio.Protocol]:
    """The protocol uvicorn builds for each connection, bound to ``limits``: a partial, which
    uvicorn only calls (with its config and state) and which pickles to ``--workers``
    processes."""
    return cast(type[asyncio.Protocol], functools.partial(LimitedHttpToolsProtocol, limits))
