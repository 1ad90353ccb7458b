"""Acknowledge links: signed per incident and person, confirmed by a button, queued as a message."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from structlog.testing import capture_logs

from muster.config.loader import LoadedConfig
from muster.worker.ack_server import AckApp, make_ack_server, mask_path_segments
from muster.worker.core.ack_tokens import sign, verify
from muster.worker.core.incident import Incident
from muster.worker.core.plan import build_page_plan
from muster.worker.core.render import render_chat, render_email
from tests.configs import WEDNESDAY_NOON, minimal_document

SECRET = "a-long-enough-signing-secret"


class TestTokens:
    def test_a_token_names_its_incident_and_person(self) -> None:
        """What was signed comes back out."""
        assert verify(SECRET, sign(SECRET, "inc-1", "bob")) == ("inc-1", "bob")

    @pytest.mark.parametrize(
        "tamper",
        [
            lambda t: sign("another-secret-entirely", "inc-1", "bob"),
            lambda t: sign(SECRET, "inc-1", "alice").split(".")[0] + "." + t.split(".")[1],
            lambda t: t[:-2],
            lambda t: "garbage",
        ],
    )
    def test_an_altered_token_is_refused(self, tamper: Callable[[str], str]) -> None:
        """Another secret, another person, a cut signature: nothing verifies."""
        assert verify(SECRET, tamper(sign(SECRET, "inc-1", "bob"))) is None


def test_pages_carry_the_link_when_the_config_sets_ack(
    load_yaml: Callable[..., LoadedConfig],
) -> None:
    """Email and chat pages link to the ack endpoint with the person's own token."""
    document = minimal_document()
    document["ack"] = {"url": "https://muster.test/ack", "secret": "${ACK_SECRET}"}
    routing = load_yaml(document, {"ACK_SECRET": SECRET}).routing
    incident = Incident(id="inc-1", title="t", impact="major", urgency="high", services=("api",))
    plan = build_page_plan(routing, incident, WEDNESDAY_NOON)
    link = f"https://muster.test/ack/{sign(SECRET, 'inc-1', plan.pages[0].person)}"
    assert f"Acknowledge: {link}" in render_email(routing, incident, plan, plan.pages[0]).body
    assert f"[Acknowledge]({link})" in render_chat(routing, incident, plan, plan.pages[0]).body
    assert SECRET not in repr(routing)


class RecordingClient:
    def __init__(self) -> None:
        self.acks: list[tuple[str, str]] = []

    def acknowledge(self, incident_id: str, *, person: str, role: str | None = None) -> str:
        self.acks.append((incident_id, person))
        return "message-id"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[tuple[str, RecordingClient]]:
    client = RecordingClient()
    server: WSGIServer = make_server(
        "127.0.0.1", 0, AckApp(lambda: SECRET, lambda: client), handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/ack", client
    server.shutdown()
    server.server_close()


def fetch(url: str, method: str = "GET") -> tuple[int, str]:
    data = b"" if method == "POST" else None
    request = urllib.request.Request(url, method=method, data=data)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class TestEndpoint:
    def test_opening_the_link_only_asks(self, endpoint: tuple[str, RecordingClient]) -> None:
        """A GET (a person, or a link scanner) shows a button and acknowledges nothing."""
        base, client = endpoint
        status, body = fetch(f"{base}/{sign(SECRET, 'inc-1', 'bob')}")
        assert status == 200
        assert "<button" in body
        assert client.acks == []

    def test_pressing_the_button_acknowledges_for_that_person(
        self, endpoint: tuple[str, RecordingClient]
    ) -> None:
        """The POST queues the acknowledgement for the incident and person in the token."""
        base, client = endpoint
        status, body = fetch(f"{base}/{sign(SECRET, 'inc-1', 'bob')}", method="POST")
        assert status == 200
        assert "Acknowledged" in body
        assert client.acks == [("inc-1", "bob")]

    def test_a_forged_link_is_not_found(self, endpoint: tuple[str, RecordingClient]) -> None:
        """A token signed with another secret acknowledges nothing."""
        base, client = endpoint
        status, _ = fetch(f"{base}/{sign('not-the-secret-at-all', 'inc-1', 'bob')}", "POST")
        assert status == 404
        assert client.acks == []


def _request_lines(
    logs: list[MutableMapping[str, Any]],
) -> list[MutableMapping[str, Any]]:
    return [entry for entry in logs if entry["event"] == "ack_server.request"]


class TestRequestLog:
    def test_a_request_is_logged_without_its_token(self, capfd: pytest.CaptureFixture[str]) -> None:
        """The token in the path acknowledges for its person: the server's request log line
        names the request and its status, with the token masked, and nothing prints it."""
        token = sign(SECRET, "inc-1", "bob")
        server = make_ack_server("127.0.0.1", 0, AckApp(lambda: SECRET, RecordingClient))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with capture_logs() as logs:
                status, _ = fetch(f"http://127.0.0.1:{server.server_port}/ack/{token}")
                bad, _ = fetch(f"http://127.0.0.1:{server.server_port}/ack/{token[:-2]}")
                # wsgiref logs a request after its answer has gone out: wait for the line.
                deadline = time.monotonic() + 5
                while len(_request_lines(logs)) < 2 and time.monotonic() < deadline:
                    time.sleep(0.01)
        finally:
            server.shutdown()
            server.server_close()
        assert (status, bad) == (200, 404)
        assert [(e["request"], e["status"]) for e in _request_lines(logs)] == [
            ("GET /ack/****", 200),
            ("GET /ack/****", 404),
        ]
        printed = capfd.readouterr()
        assert token[:20] not in repr(logs) + printed.out + printed.err

    def test_a_malformed_request_line_is_masked_too(self) -> None:
        """What wsgiref says about a request it cannot parse quotes the line: masked as well."""
        token = sign(SECRET, "inc-1", "bob")
        assert token not in mask_path_segments(f"Bad request version ('GET /ack/{token} HTTP/9')")
