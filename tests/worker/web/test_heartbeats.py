"""``POST /v1/heartbeats/NAME``: any body or none, a caller's token, and the monitor's name queue
one ``muster.heartbeat`` stamped with when the web received it."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from muster.worker.tasks.names import HEARTBEAT
from tests.harness.web_app import SCRIPT_TOKEN, TOKEN, Web, intake_document

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WATCHDOG = {
    "version": "4",
    "groupKey": '{}:{alertname="Watchdog"}',
    "status": "firing",
    "receiver": "muster-watchdog",
    "groupLabels": {"alertname": "Watchdog"},
    "commonLabels": {"alertname": "Watchdog", "severity": "none"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "Watchdog", "severity": "none"},
            "annotations": {"summary": "An alert that should always be firing"},
            "startsAt": "2026-11-25T11:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": "e5c7c2b6b6e5d1f0",
        }
    ],
}


@pytest.fixture
def web(make_web: Callable[..., Web]) -> Web:
    monitors = {
        "watchdog": {"every": "1m", "impact": "major", "urgency": "high"},
        "nightly-backup": {"every": "1d", "grace": "1h", "impact": "minor", "urgency": "low"},
    }
    built = make_web({**intake_document(), "heartbeats": monitors})
    built.client.app.state.context.now = lambda: NOON  # type: ignore[attr-defined]
    return built


def test_a_heartbeat_with_no_body_is_queued_with_its_receipt_time(web: Web) -> None:
    answer = web.client.post(
        "/v1/heartbeats/nightly-backup", headers={"Authorization": f"Bearer {SCRIPT_TOKEN}"}
    )
    assert answer.status_code == 202
    assert answer.json()["task"] == HEARTBEAT
    assert web.publisher.sent == [
        (HEARTBEAT, {"name": "nightly-backup", "received_at": "2026-11-25T12:00:00+00:00"})
    ]


def test_alertmanagers_watchdog_webhook_is_a_heartbeat_whatever_it_says(web: Web) -> None:
    answer = web.post("/v1/heartbeats/watchdog", WATCHDOG)
    assert answer.status_code == 202
    [(task, payload)] = web.publisher.sent
    assert (task, payload["name"]) == (HEARTBEAT, "watchdog")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"not json at all", "text/plain"), (b"{broken", "application/json"), (b"", "")],
)
def test_any_body_will_do(web: Web, body: bytes, content_type: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if content_type:
        headers["Content-Type"] = content_type
    answer = web.client.post("/v1/heartbeats/watchdog", content=body, headers=headers)
    assert answer.status_code == 202


def test_basic_auth_carries_the_token_for_urls_with_credentials(web: Web) -> None:
    """A checker that can only take a URL (``https://x:TOKEN@muster/v1/heartbeats/NAME``)."""
    basic = base64.b64encode(f"cron:{SCRIPT_TOKEN}".encode()).decode()
    answer = web.client.post("/v1/heartbeats/watchdog", headers={"Authorization": f"Basic {basic}"})
    assert answer.status_code == 202


def test_an_unknown_monitor_is_404_and_queues_nothing(web: Web) -> None:
    answer = web.post("/v1/heartbeats/nightly-backups", None)
    assert answer.status_code == 404
    assert "nightly-backups" in answer.json()["detail"]
    assert web.publisher.sent == []


def test_no_token_is_401_before_the_name_is_even_looked_at(web: Web) -> None:
    assert web.post("/v1/heartbeats/watchdog", None, token=None).status_code == 401
    assert (
        web.post("/v1/heartbeats/unknown", None, token="wrong-token-0123456789").status_code == 401
    )
    assert web.publisher.sent == []


def test_a_name_that_could_be_no_monitor_is_422(web: Web) -> None:
    assert web.post("/v1/heartbeats/no%20spaces", None).status_code == 422


def test_an_unreachable_broker_is_503_with_retry_after(web: Web) -> None:
    web.publisher.broker_down = True
    answer = web.post("/v1/heartbeats/watchdog", None)
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "5")


def test_the_route_is_in_the_openapi_description(web: Web) -> None:
    paths = web.client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/v1/heartbeats/{name}"]
