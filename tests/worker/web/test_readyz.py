"""``/readyz``: 200 when the broker is reachable, the database answers and a worker and a beat
were seen recently; otherwise 503 naming what fails. Probes are stubbed (the real ones are
exercised end to end in ``tests/integration/test_readiness.py``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from muster.config.loader import load_config
from muster.worker.web.app import create_app
from muster.worker.web.context import WebContext
from muster.worker.web.ready import Readiness
from tests.harness.web_app import RecordingPublisher, intake_document

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FRESH = {"worker": NOW - timedelta(seconds=3), "beat": NOW - timedelta(seconds=4)}


def fine() -> None:
    """A probe that holds."""


def down() -> None:
    raise ConnectionRefusedError("[Errno 111] Connection refused to redis://:secret@10.0.0.1")


@pytest.fixture
def ready(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """GET /readyz of a web app whose readiness has the given probes (fine by default)."""
    path = tmp_path / "routing.yaml"
    path.write_text(yaml.safe_dump(intake_document(), sort_keys=False))
    config = load_config(path, {}).routing.config
    clients: list[TestClient] = []

    def get(
        broker: Callable[[], None] = fine,
        database: Callable[[], None] = fine,
        last_seen: Callable[[], dict[str, datetime]] = lambda: dict(FRESH),
        timeout: float = 2.0,
        probe: bool = True,
    ) -> Any:
        readiness = Readiness(
            broker=broker,
            database=database,
            last_seen=last_seen,
            within=timedelta(seconds=30),
            timeout=timeout,
            now=lambda: NOW,
        )
        context = WebContext(
            config=lambda: config,
            publish=RecordingPublisher(),
            readiness=readiness if probe else None,
        )
        client = TestClient(create_app(context))
        clients.append(client)
        return client.get("/readyz")

    yield get
    for client in clients:
        client.close()


def test_ready_when_every_check_holds(ready: Callable[..., Any]) -> None:
    answer = ready()
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready"
    assert body["failing"] == []
    assert list(body["checks"]) == ["broker", "database", "worker", "beat"]
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["worker"]["detail"] == "seen 3.0 s ago"


def test_an_unreachable_broker_is_named_without_its_url(ready: Callable[..., Any]) -> None:
    answer = ready(broker=down)
    assert answer.status_code == 503
    body = answer.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"] == {
        "ok": False,
        "detail": "unreachable (ConnectionRefusedError)",
    }
    assert "secret" not in answer.text


def test_a_database_that_does_not_answer_fails_the_liveness_checks_too(
    ready: Callable[..., Any],
) -> None:
    def unread() -> dict[str, datetime]:
        raise AssertionError("no liveness read without a database")

    answer = ready(database=down, last_seen=unread)
    assert answer.status_code == 503
    body = answer.json()
    assert body["failing"] == ["database", "worker", "beat"]
    assert body["checks"]["database"]["detail"] == "unavailable (ConnectionRefusedError)"


def test_a_worker_not_seen_within_the_window_is_not_ready(ready: Callable[..., Any]) -> None:
    answer = ready(last_seen=lambda: {**FRESH, "worker": NOW - timedelta(seconds=31)})
    assert answer.status_code == 503
    body = answer.json()
    assert body["failing"] == ["worker"]
    assert body["checks"]["worker"]["detail"] == "no worker seen within 30 s (last 31 s ago)"


def test_no_beat_ever_seen_is_not_ready(ready: Callable[..., Any]) -> None:
    answer = ready(last_seen=lambda: {"worker": FRESH["worker"]})
    assert answer.status_code == 503
    assert answer.json()["failing"] == ["beat"]
    assert answer.json()["checks"]["beat"]["detail"] == "no beat seen within 30 s"


def test_an_unreadable_liveness_table_fails_worker_and_beat(ready: Callable[..., Any]) -> None:
    def old_schema() -> dict[str, datetime]:
        raise LookupError("no such table: processes")

    body = ready(last_seen=old_schema).json()
    assert body["failing"] == ["worker", "beat"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["beat"]["detail"] == "liveness unreadable (LookupError)"


def test_a_hanging_probe_answers_within_the_timeout(ready: Callable[..., Any]) -> None:
    """A broker that never answers is a failing check after the timeout, not a hung probe."""
    release = threading.Event()
    try:
        answer = ready(broker=lambda: release.wait(5) and None, timeout=0.2)
    finally:
        release.set()
    assert answer.status_code == 503
    assert answer.json()["checks"]["broker"]["detail"] == "no answer within 0.2 s"
    assert answer.json()["failing"] == ["broker"]


def test_without_a_probe_the_web_is_not_ready(ready: Callable[..., Any]) -> None:
    answer = ready(probe=False)
    assert answer.status_code == 503
    assert answer.json()["failing"] == ["readiness"]
