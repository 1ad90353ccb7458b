"""``/readyz`` names the config that pages: the file, or (the file rejected) the last good one.

A rejected file does not make muster unready (it pages, with the last good config), so the
check holds and the answer stays 200; its detail says the file is rejected, where its first
error is, and which config is served. The config source is real, on a real SQLite database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from muster.config.last_good import fingerprint
from muster.config.watch import ConfigSource
from muster.worker.store.db import Database
from muster.worker.store.good_config import DatabaseKeeper
from muster.worker.web.app import create_app
from muster.worker.web.context import WebContext
from muster.worker.web.ready import Readiness
from tests.harness.web_app import RecordingPublisher, intake_document

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FRESH = {"worker": NOW - timedelta(seconds=3), "beat": NOW - timedelta(seconds=4)}
GOOD = yaml.safe_dump(intake_document(), sort_keys=False)


@pytest.fixture
def keeper(tmp_path: Path) -> Iterator[DatabaseKeeper]:
    database = Database.connect(f"sqlite:///{tmp_path / 'muster.db'}")
    yield DatabaseKeeper(database.engine, now=lambda: NOW)
    database.engine.dispose()


def readyz(source: ConfigSource) -> Any:
    readiness = Readiness(
        broker=lambda: None,
        database=lambda: None,
        last_seen=lambda: dict(FRESH),
        now=lambda: NOW,
        config=source.status,
    )
    context = WebContext(
        config=lambda: source.current().routing.config,
        publish=RecordingPublisher(),
        readiness=readiness,
    )
    with TestClient(create_app(context)) as client:
        return client.get("/readyz")


def test_a_valid_file_is_named_with_its_hash(tmp_path: Path, keeper: DatabaseKeeper) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(GOOD)
    answer = readyz(ConfigSource(path, environ={}, interval=0, keeper=keeper))
    assert answer.status_code == 200
    assert answer.json()["checks"]["config"] == {
        "ok": True,
        "detail": f"serving {path} (sha256 {fingerprint(GOOD)[:12]})",
    }


def test_a_rejected_file_is_named_and_so_is_the_config_served(
    tmp_path: Path, keeper: DatabaseKeeper
) -> None:
    """Started on an invalid file with a stored last good config: ready, and saying so."""
    path = tmp_path / "routing.yaml"
    path.write_text(GOOD)
    ConfigSource(path, environ={}, interval=0, keeper=keeper)  # the worker kept it
    path.write_text(GOOD.replace("timezone: UTC", "timezone: Mars/Base"))
    answer = readyz(ConfigSource(path, environ={}, interval=0, keeper=keeper))
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready"
    detail = body["checks"]["config"]["detail"]
    line = GOOD.splitlines().index("timezone: UTC") + 1
    assert detail == (
        f"{path} is rejected (1 error, the first at line {line}): serving the last good config"
        f" (sha256 {fingerprint(GOOD)[:12]}, stored 2026-11-25 12:00 UTC)"
    )
    assert "Mars" not in answer.text  # where the error is, not what it quotes
