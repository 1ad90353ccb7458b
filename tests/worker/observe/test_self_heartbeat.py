"""muster's own outbound heartbeat: fetched only while the database answers and a worker and a
beat were seen recently, from a real HTTP server on 127.0.0.1 (:class:`PingPeer`); the token in
its URL is never logged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from muster.config.settings import Settings
from muster.worker.broker.app import make_app
from muster.worker.observe.self_heartbeat import send_self_heartbeat
from muster.worker.store.db import Database
from muster.worker.store.processes import BEAT, WORKER, seen
from muster.worker.tasks.names import SELF_HEARTBEAT
from tests.harness.logs import captured_logs
from tests.harness.peers.ping import CHECK_TOKEN as TOKEN
from tests.harness.peers.ping import PingPeer

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def check() -> Iterator[PingPeer]:
    with PingPeer() as service:
        yield service


def alive(database: Database, **ages: float) -> None:
    """Liveness rows of the given kinds, last seen that many seconds before NOW."""
    with database.engine.begin() as connection:
        for kind, age in ages.items():
            seen(connection, kind, f"muster-1@{kind}", NOW - timedelta(seconds=age))


def send(database: Database, url: str) -> tuple[str, str]:
    settings = Settings(self_heartbeat_url=url, ready_within=30)
    with captured_logs() as logs:
        outcome = send_self_heartbeat(database, settings, now=lambda: NOW)
    return outcome, repr(logs)


def test_a_healthy_muster_pings_and_logs_the_url_masked(
    database: Database, check: PingPeer
) -> None:
    alive(database, **{WORKER: 3, BEAT: 4})
    outcome, logs = send(database, check.url)
    assert outcome == "sent"
    assert check.pings == [f"/ping/{TOKEN}"]
    assert "self_heartbeat.sent" in logs
    assert TOKEN not in logs


@pytest.mark.parametrize(
    ("ages", "says"),
    [
        ({WORKER: 3, BEAT: 31}, "no beat seen within 30 s"),
        ({BEAT: 3}, "no worker seen within 30 s"),
        ({}, "no worker or beat seen within 30 s"),
    ],
)
def test_no_ping_without_a_worker_and_a_beat_seen_recently(
    database: Database, check: PingPeer, ages: dict[str, float], says: str
) -> None:
    alive(database, **ages)
    outcome, logs = send(database, check.url)
    assert (outcome, check.pings) == ("withheld", [])
    assert says in logs


def test_no_ping_when_the_database_does_not_answer(tmp_path: Path, check: PingPeer) -> None:
    database = Database.connect(f"sqlite:///{tmp_path / 'missing' / 'muster.db'}", migrate=False)
    outcome, logs = send(database, check.url)
    assert (outcome, check.pings) == ("withheld", [])
    assert "database unavailable" in logs
    database.engine.dispose()


def test_a_failing_check_service_is_logged_without_its_token(
    database: Database, check: PingPeer
) -> None:
    alive(database, **{WORKER: 1, BEAT: 1})
    check.status = 500
    outcome, logs = send(database, check.url)
    assert (outcome, len(check.pings)) == ("failed", 1)
    assert "status=500" in logs or "'status': 500" in logs
    assert TOKEN not in logs
    check.stop()
    outcome, logs = send(database, check.url)  # nothing listens: a connection error
    assert outcome == "failed"
    assert "ConnectionError" in logs
    assert TOKEN not in logs


def test_unset_it_is_off(database: Database) -> None:
    assert send_self_heartbeat(database, Settings(self_heartbeat_url=None)) == "off"


def test_the_beat_schedules_it_only_when_set_and_skips_a_stale_one() -> None:
    assert "self-heartbeat" not in make_app("memory://", Settings()).conf.beat_schedule
    settings = Settings(self_heartbeat_url="https://hc-ping.com/x", self_heartbeat_every=30)
    entry = make_app("memory://", settings).conf.beat_schedule["self-heartbeat"]
    assert entry == {"task": SELF_HEARTBEAT, "schedule": 30.0, "options": {"expires": 30.0}}
