"""Below the OpenAPI description (which schemathesis walks): any bytes as a body, any header
values, any method, on every path of the app and on paths it does not have. No answer is a 500,
and nothing is logged as an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from muster.worker.core.intake.ack_tokens import sign
from muster.worker.store.db import Database
from muster.worker.store.silences import DatabaseSilences
from tests.harness.byte_fuzz import (
    ACK_PAYLOAD,
    BEARER,
    FORM,
    SIGNED,
    bodies,
    fuzz_document,
    requests,
    routes,
)
from tests.harness.logs import captured_logs
from tests.harness.web_app import ACK_SECRET, ISSUED, StubIncidents, Web


@pytest.fixture
def app(make_web: Callable[..., Web], tmp_path: Path) -> Iterator[Web]:
    """The fuzzed config, with incidents to find and a database for silences."""
    document = fuzz_document()
    incidents = StubIncidents(
        states={"inc-1": "investigating"},
        paged={"ann": ["inc-1"]},
        digests={("d-1", "ann"): ["inc-1"]},
    )
    database = Database.connect(f"sqlite:///{tmp_path / 'silences.db'}")
    yield make_web(
        document, incidents=incidents, incident_wait=0, silences=DatabaseSilences(database)
    )
    database.engine.dispose()


def test_no_bytes_on_any_path_are_a_server_error(
    app: Web, caplog: pytest.LogCaptureFixture
) -> None:
    """With the broker up or down; a server error comes back as a 500 (not raised), so it is
    asserted like any status."""
    client = TestClient(app.client.app, raise_server_exceptions=False)
    assert {"/v1/replies/sms", "/ack/{token}", "/metrics", "/v1/silences/{ident}"} <= {
        path for _, path in routes()
    }

    @given(request=requests(), body=bodies, broker_down=st.booleans())
    # The four that were 500s, always tried first.
    @example(("POST", "/v1/alertmanager", {"authorization": BEARER}), b"\x80", False)
    @example(("POST", "/v1/replies/sms", {"authorization": SIGNED, **FORM}), b"From=1", False)
    @example(("GET", f"/ack/{ACK_PAYLOAD}.%C3%A9", {}), b"", False)
    @example(("POST", f"/ack/{sign(ACK_SECRET, 'inc-1', 'ann', ISSUED)}", {}), b"", True)
    @settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
    def no_server_error(
        request: tuple[str, str, dict[str, bytes]], body: bytes, broker_down: bool
    ) -> None:
        method, path, headers = request
        app.publisher.broker_down = broker_down
        caplog.clear()
        with captured_logs() as logs:
            answer = client.request(method, path, content=body, headers=headers)
        not_ready = path == "/readyz" and answer.status_code == 503  # no probe: by design
        assert answer.status_code < 500 or not_ready or _unavailable(answer), (
            method,
            path,
            answer.text[:300],
        )
        assert not [entry for entry in logs if _is_exception(entry)], logs
        assert not [record for record in caplog.records if record.exc_info], caplog.text

    with caplog.at_level(logging.INFO):
        no_server_error()


def _unavailable(answer: Any) -> bool:
    """A 503 that says try again (the broker is down, or the SMS replies have no database)."""
    return (
        answer.status_code == 503 and "retry-after" in answer.headers
    ) or "database" in answer.text


def _is_exception(entry: dict[str, Any]) -> bool:
    return bool(entry.get("exc_info") or entry.get("exception")) or entry["log_level"] in {
        "critical"
    }
