"""A bounded byte-level fuzz of a real ``muster web`` process (the in-process one,
tests/worker/web/test_byte_fuzz.py, runs many more): what reaches it over a socket, through
uvicorn's HTTP parser, is never answered with a 500, and its log holds no traceback."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings

from tests.harness.byte_fuzz import BEARER, FORM, SIGNED, bodies, fuzz_document, requests
from tests.harness.muster_processes import MusterWeb, worker_environment
from tests.harness.peers.common import free_port

pytestmark = pytest.mark.integration

TRACEBACKS = ("Traceback", "Exception in ASGI application")


@pytest.fixture
def web(tmp_path: Path) -> Iterator[MusterWeb]:
    """``muster web`` with the fuzzed config, the embedded broker and a database the worker has
    not made (the web treats it as unreadable: it queues, and SMS replies say try again)."""
    config = tmp_path / "routing.yaml"
    config.write_text(yaml.safe_dump(fuzz_document(), sort_keys=False))
    database = f"sqlite:///{tmp_path / 'm.db'}"
    env = worker_environment(tmp_path, config, None, database, "web", MUSTER_INCIDENT_WAIT="0")
    process = MusterWeb(tmp_path, env, port=free_port())
    process.start()
    yield process
    process.stop()


def test_no_bytes_sent_to_a_real_web_are_a_server_error(web: MusterWeb) -> None:
    @given(request=requests(), body=bodies)
    @example(("POST", "/v1/alertmanager", {"authorization": BEARER}), b"\x80")
    @example(("POST", "/v1/replies/sms", {"authorization": SIGNED, **FORM}), b"From=1")
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    def no_server_error(request: tuple[str, str, dict[str, bytes]], body: bytes) -> None:
        method, path, headers = request
        connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            status = connection.getresponse().status
        finally:
            connection.close()
        # 503 is "try again" by design: /readyz without a worker, SMS replies without the database
        assert status < 500 or status == 503, (method, path, status)

    no_server_error()
    log = web.log_text()
    assert not [line for line in log.splitlines() if any(mark in line for mark in TRACEBACKS)]
