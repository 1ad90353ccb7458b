"""Holds announced by a running deployment: a worker and two beats on each broker (with SQLite,
and on the embedded broker with PostgreSQL too, where the two beats' scans run concurrently),
the demo config delivering to its outbox file. A silence added by the CLI (``muster silence``)
is announced to its rooms once, and its expiry once; a maintenance window of the config, its
start once and its end once; however many scans the two beats run."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness.configs import DEMO
from tests.harness.muster_processes import (
    MusterBeat,
    MusterWorker,
    muster_command,
    worker_environment,
)
from tests.harness.servers import BROKERS, broker_url, fresh_queue, purge, scratch_database
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.wallclock]


def outbox(home: Path) -> list[dict[str, Any]]:
    path = home / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def titled(home: Path, start: str) -> list[dict[str, Any]]:
    return [record for record in outbox(home) if record["title"].startswith(start)]


DEPLOYMENTS = [(broker, "sqlite") for broker in BROKERS] + [("embedded", "postgresql")]


@pytest.mark.parametrize(("broker", "database"), DEPLOYMENTS)
def test_a_silence_from_the_cli_is_announced_once_and_its_expiry_once(
    tmp_path: Path, broker: str, database: str
) -> None:
    queue = fresh_queue()
    with scratch_database(database, tmp_path) as url:
        env = worker_environment(
            tmp_path, DEMO, broker_url(broker, tmp_path), url, queue, MUSTER_AUTHOR="alice"
        )
        purge(env.get("MUSTER_BROKER_URL"), queue)
        assert_announced_once(tmp_path, env)


def assert_announced_once(tmp_path: Path, env: dict[str, str]) -> None:
    worker = MusterWorker(tmp_path, env, beat=False).start()
    beats = [MusterBeat(tmp_path, env, name=f"beat-{n}").start() for n in (1, 2)]
    try:
        ident = muster_command(
            env,
            "silence",
            "add",
            "--service",
            "payments-api",
            "--for",
            "2h",
            "--reason",
            "failover",
        )
        created = f"Silence {ident} by alice: pages held"
        wait_until(lambda: len(titled(tmp_path, created)) == 2, timeout=30)
        assert muster_command(env, "silence", "expire", ident) == f"expired {ident}"
        ended = f"Silence {ident} ended"
        wait_until(lambda: len(titled(tmp_path, ended)) == 2, timeout=30)
        time.sleep(3)  # six more scans of each beat (MUSTER_SCAN_EVERY=0.5): nothing again
    finally:
        for process in (*beats, worker):
            process.stop()
    records = outbox(tmp_path)
    assert sorted(r["to"] for r in records if r["title"] == created) == [
        "incidents",
        "payments-incidents",
    ]
    assert len([r for r in records if r["title"].startswith(ended)]) == 2
    assert "was expired at" in titled(tmp_path, ended)[0]["body"]
    assert "by alice" in titled(tmp_path, ended)[0]["body"]
    assert len(records) == 4


@pytest.mark.parametrize(("broker", "database"), DEPLOYMENTS)
def test_a_window_of_the_config_is_announced_at_its_start_once_and_at_its_end_once(
    tmp_path: Path, broker: str, database: str
) -> None:
    """The window is added to the config once the processes are up (as an ops edit, read
    within a second), starting two seconds on and lasting eight: however slow the start-up."""
    queue = fresh_queue()
    config = tmp_path / "routing.yaml"
    config.write_text(DEMO.read_text())
    with scratch_database(database, tmp_path) as url:
        env = worker_environment(tmp_path, config, broker_url(broker, tmp_path), url, queue)
        purge(env.get("MUSTER_BROKER_URL"), queue)
        worker = MusterWorker(tmp_path, env, beat=False).start()
        beats = [MusterBeat(tmp_path, env, name=f"beat-{n}").start() for n in (1, 2)]
        try:
            add_window(config, datetime.now(UTC) + timedelta(seconds=2), timedelta(seconds=8))
            started = "Maintenance window db-failover: pages held"
            wait_until(lambda: len(titled(tmp_path, started)) == 2, timeout=30)
            ended = "Maintenance window db-failover ended"
            wait_until(lambda: len(titled(tmp_path, ended)) == 2, timeout=30)
            time.sleep(3)  # six more scans of each beat (MUSTER_SCAN_EVERY=0.5): nothing again
        finally:
            for process in (*beats, worker):
                process.stop()
    records = outbox(tmp_path)
    assert sorted(r["to"] for r in records if r["title"] == started) == [
        "incidents",
        "payments-incidents",
    ]
    assert len(records) == 4


def add_window(config: Path, starts: datetime, length: timedelta) -> None:
    """Rewrite ``config`` with the window db-failover on payments-api (a new inode, as an
    editor's save: the processes' reload cannot miss it)."""
    document = yaml.safe_load(config.read_text())
    window = {
        "reason": "failover",
        "scope": {"services": ["payments-api"]},
        "start": starts.replace(microsecond=0).isoformat(),
        "end": (starts + length).replace(microsecond=0).isoformat(),
    }
    document["maintenance"] = {"windows": {"db-failover": window}}
    fresh = config.with_suffix(".new")
    fresh.write_text(yaml.safe_dump(document, sort_keys=False))
    fresh.replace(config)
