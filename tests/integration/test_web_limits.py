"""``muster web``'s own limits, against a real process with raw sockets: a slow or oversized
client is answered or cut off within its limit, never served for as long as it likes (issue 20).

The process runs with limits of a second so that every test is bounded: each waits at most the
limit plus ``SLACK``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing

import pytest

from muster.config.settings import Settings
from muster.worker.web.limits import ServerLimits
from tests.harness.configs import DEMO
from tests.harness.muster_processes import MusterWeb, worker_environment
from tests.harness.peers.common import free_port

pytestmark = pytest.mark.integration

LIMIT = 1  # seconds: the header, body and keep-alive timeouts the process runs with
SLACK = 2.0  # seconds a cut-off may come after its limit on a busy machine
CONNECTIONS = 6  # per process
DEMO_TOKEN = b"demo-only-token-change-me"  # config/demo.yaml's intake caller
HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MusterWeb]:
    home = tmp_path_factory.mktemp("limits")
    config = home / "routing.yaml"
    config.write_text(DEMO.read_text())
    env = worker_environment(
        home,
        config,
        None,
        f"sqlite:///{home / 'm.db'}",
        "web",
        MUSTER_WEB_HEADER_TIMEOUT=str(LIMIT),
        MUSTER_WEB_BODY_TIMEOUT=str(LIMIT),
        MUSTER_WEB_KEEP_ALIVE=str(LIMIT),
        MUSTER_WEB_MAX_CONNECTIONS=str(CONNECTIONS),
    )
    web = MusterWeb(home, env, port=free_port())
    with ExitStack() as cleanup:
        cleanup.callback(web.stop)
        web.start()
        yield web


@pytest.fixture
def port(web: MusterWeb) -> int:
    return web.port


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=LIMIT + SLACK + 5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or resets it)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def one_answer(sock: socket.socket) -> bytes:
    """One whole answer (its head and its ``content-length`` of body) on a kept connection."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += sock.recv(65536)
    return received


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_a_connection_that_never_sends_is_closed_after_the_header_timeout(port: int) -> None:
    with closing(connect(port)) as sock:
        started = time.monotonic()
        answer = until_closed(sock)
        assert time.monotonic() - started < LIMIT + SLACK
    assert answer == b""  # nothing asked, nothing answered


def test_a_client_sending_one_header_byte_a_second_is_cut_off(port: int) -> None:
    with closing(connect(port)) as sock:
        started = time.monotonic()
        sock.sendall(HEAD)
        try:
            for byte in b"X-Slow: " + b"a" * 30:
                sock.sendall(bytes([byte]))
                time.sleep(0.5)
                assert time.monotonic() - started < LIMIT + SLACK, "still open after the limit"
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = until_closed(sock)
        assert time.monotonic() - started < LIMIT + SLACK
    assert status(answer) == 408


def test_a_body_sent_slowly_is_cut_off_after_the_body_timeout(web: MusterWeb) -> None:
    """The caller is authenticated, so the route is reading the body when it is cut off: the
    route sees the client gone, and nothing is logged as a server error."""
    with closing(connect(web.port)) as sock:
        started = time.monotonic()
        sock.sendall(
            b"POST /v1/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer " + DEMO_TOKEN + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        try:
            for _ in range(30):
                sock.sendall(b" ")
                time.sleep(0.5)
                if time.monotonic() - started > LIMIT + SLACK:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(0.5)
        try:
            answer = until_closed(sock)
        except TimeoutError:
            pytest.fail("the connection is still open after the body timeout")
        assert time.monotonic() - started < LIMIT + SLACK + 1
    assert not answer.startswith(b"HTTP/1.1 2")
    time.sleep(0.5)
    assert "Traceback" not in web.log_text()


def test_twenty_megabytes_of_headers_are_refused(port: int) -> None:
    header = b"X-Big: " + b"a" * 1_000_000 + b"\r\n"
    with closing(connect(port)) as sock:
        started = time.monotonic()
        try:
            sock.sendall(HEAD)
            for _ in range(20):
                sock.sendall(header)
            sock.sendall(b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused as it was sent
        answer = until_closed(sock)
        assert time.monotonic() - started < LIMIT + SLACK + 5
    assert answer == b"" or status(answer) == 431


def test_too_many_headers_are_431(port: int) -> None:
    headers = b"".join(b"X-H%d: v\r\n" % number for number in range(500))
    with closing(connect(port)) as sock:
        sock.sendall(HEAD + headers + b"\r\n")
        answer = until_closed(sock)
    assert status(answer) == 431


def test_a_request_within_the_limits_is_served(port: int) -> None:
    headers = b"".join(b"X-H%d: v\r\n" % number for number in range(50))
    with closing(connect(port)) as sock:
        sock.sendall(HEAD + headers + b"Connection: close\r\n\r\n")
        answer = until_closed(sock)
    assert status(answer) == 200


def test_an_idle_keep_alive_connection_is_closed_after_its_timeout(port: int) -> None:
    with closing(connect(port)) as sock:
        sock.sendall(HEAD + b"\r\n")
        first = one_answer(sock)
        assert status(first) == 200
        answered = time.monotonic()
        assert until_closed(sock) == b""
        assert time.monotonic() - answered < LIMIT + SLACK


def test_connections_beyond_the_per_process_limit_are_answered_503(port: int) -> None:
    with ExitStack() as held:
        for _ in range(CONNECTIONS):
            held.enter_context(closing(connect(port)))
        with closing(connect(port)) as sock:
            sock.sendall(HEAD + b"Connection: close\r\n\r\n")
            answer = until_closed(sock)
    assert status(answer) == 503


def test_the_limits_are_the_settings() -> None:
    """Each limit is a ``MUSTER_WEB_*`` setting (the README's settings table lists them)."""
    limits = ServerLimits.of(Settings(web_header_timeout=3, web_max_headers=20))
    assert (limits.header_timeout, limits.max_headers) == (3, 20)
    assert ServerLimits.of(Settings()) == ServerLimits()
