"""The limited protocol over any bytes, in any chunks: it never raises, never lets a head grow
past its limit unanswered, and answers a refusal only with 400, 408 or 431; its one timer a
request holds the head's and the body's limits, whichever is shorter (issue 20).

In-process, on a transport that records what it is given; the real process is held to the same
limits by ``tests/integration/test_web_limits.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from uvicorn.config import Config
from uvicorn.server import ServerState

from muster.worker.web.limits import LimitedHttpToolsProtocol, ServerLimits

LIMITS = ServerLimits(max_head=4096, max_headers=10)


async def ok(scope: Any, receive: Any, send: Any) -> None:
    """An app that reads each request's whole body and answers 200 (if the client is there)."""
    while (message := await receive())["type"] == "http.request" and message["more_body"]:
        pass
    if message["type"] == "http.disconnect":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def fed(chunks: list[bytes]) -> RecordingTransport:
    """What a connection given ``chunks`` was answered (its requests run to their end)."""
    loop = asyncio.new_event_loop()
    try:
        config = Config(ok, log_config=None)
        config.load()
        protocol = LimitedHttpToolsProtocol(LIMITS, config, ServerState(), {}, _loop=loop)
        transport = RecordingTransport()
        protocol.connection_made(transport)
        for chunk in chunks:
            protocol.data_received(chunk)
        loop.run_until_complete(asyncio.sleep(0.01))
        protocol.connection_lost(None)
        return transport
    finally:
        loop.close()


HEAD_PARTS = st.sampled_from(
    [
        *(b"GET / HTTP/1.1\r\n", b"POST /v1/x HTTP/1.1\r\n", b"Host: a\r\n", b"X: " + b"v" * 1000),
        *(b"\r\n", b"Content-Length: 3\r\n", b"abc", b"\x00\xff", b"X-H: v\r\n"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=600), HEAD_PARTS), max_size=40))
def test_any_bytes_are_answered_within_the_limits_or_not_at_all(chunks: list[bytes]) -> None:
    transport = fed(chunks)
    statuses = [
        line.split(b" ")[1] for line in transport.written.split(b"\r\n") if line[:5] == b"HTTP/"
    ]
    assert set(statuses) <= {b"200", b"400", b"408", b"431", b"503"}


@settings(max_examples=100, deadline=None)
@given(st.integers(LIMITS.max_head + 1, 4 * LIMITS.max_head), st.integers(1, 2000))
def test_a_head_past_its_limit_is_431_however_it_is_cut(size: int, chunk: int) -> None:
    head = b"GET / HTTP/1.1\r\nX-Big: " + b"a" * size
    transport = fed([head[i : i + chunk] for i in range(0, len(head), chunk)])
    assert transport.written.startswith(b"HTTP/1.1 431 ")
    assert transport.closed


@settings(max_examples=50, deadline=None)
@given(st.integers(LIMITS.max_headers + 1, 200))
def test_more_headers_than_the_limit_are_431(count: int) -> None:
    headers = b"".join(b"X-%d: v\r\n" % number for number in range(count))
    transport = fed([b"GET / HTTP/1.1\r\n" + headers + b"\r\n"])
    assert transport.written.startswith(b"HTTP/1.1 431 ")


def test_a_head_within_the_limits_reaches_the_app() -> None:
    headers = b"".join(b"X-%d: v\r\n" % number for number in range(LIMITS.max_headers - 1))
    transport = fed([b"GET / HTTP/1.1\r\nHost: a\r\n" + headers + b"\r\n"])
    assert transport.written.startswith(b"HTTP/1.1 200 ")


@settings(max_examples=50, deadline=None)
@given(st.integers(0, LIMITS.max_head - 100), st.integers(1, 5000))
def test_a_head_just_under_its_limit_reaches_the_app(size: int, chunk: int) -> None:
    head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
    transport = fed([head[i : i + chunk] for i in range(0, len(head), chunk)])
    assert transport.written.startswith(b"HTTP/1.1 200 ")


def timed(limits: ServerLimits, steps: list[tuple[float, bytes]]) -> RecordingTransport:
    """A connection given each step's bytes that many seconds after the one before, on a
    running loop (the limits' timer fires as it would)."""
    loop = asyncio.new_event_loop()
    try:
        config = Config(ok, log_config=None)
        config.load()
        protocol = LimitedHttpToolsProtocol(limits, config, ServerState(), {}, _loop=loop)
        transport = RecordingTransport()

        async def play() -> None:
            protocol.connection_made(transport)
            for wait, chunk in steps:
                await asyncio.sleep(wait)
                if not transport.closed:
                    protocol.data_received(chunk)

        loop.run_until_complete(play())
        loop.run_until_complete(asyncio.sleep(0.01))
        protocol.connection_lost(None)
        return transport
    finally:
        loop.close()


POST = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n"


def test_a_body_due_sooner_than_the_head_was_is_cut_off_on_time() -> None:
    """Body timeout shorter than the header timeout: the body's own limit holds."""
    limits = ServerLimits(header_timeout=5, body_timeout=0.05)
    transport = timed(limits, [(0, POST), (0.3, b"body")])
    assert transport.closed
    assert transport.written == b""  # cut off, the body never reached the app


def test_a_body_in_time_after_the_head_timer_passed_is_served() -> None:
    """Header timeout shorter than the body timeout: the head's timer, passing during the body,
    moves on to the body's due time."""
    limits = ServerLimits(header_timeout=0.05, body_timeout=5)
    transport = timed(limits, [(0, POST), (0.2, b"body")])
    assert transport.written.startswith(b"HTTP/1.1 200 ")


def test_a_head_cut_partway_past_its_timeout_is_408() -> None:
    limits = ServerLimits(header_timeout=0.05)
    transport = timed(limits, [(0, b"GET / HTTP/1.1\r\nHo"), (0.3, b"st: a\r\n\r\n")])
    assert transport.written.startswith(b"HTTP/1.1 408 ")
    assert transport.closed
