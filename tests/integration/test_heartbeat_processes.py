"""``muster worker --beat --web`` as deployed, on the real clock: a cron job's ``curl`` to
``/v1/heartbeats/NAME`` reaches the worker through the broker and arms the monitor, and muster's
own heartbeat reaches a healthchecks-like check while it runs — and stops when it is killed, so
the service outside would page someone. The token in the check's URL is in no log line."""

from __future__ import annotations

import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from muster.worker.store.db import Database
from muster.worker.store.upkeep_models import HeartbeatRow
from tests.harness.configs import DEMO, pinned_rotations
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers.common import free_port
from tests.harness.peers.ping import CHECK_TOKEN, PingPeer
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.wallclock]

TOKEN = "demo-only-token-change-me"  # the demo config's caller


def post(url: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1
        url, method="POST", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)
    except OSError:
        return 0


def test_a_curl_heartbeat_arms_its_monitor_and_muster_pings_out_while_alive(
    tmp_path: Path,
) -> None:
    document: dict[str, Any] = yaml.safe_load(DEMO.read_text())
    document["rotations"] = pinned_rotations(document)
    document.pop("overrides", None)
    document["heartbeats"] = {
        "nightly-backup": {"every": "1d", "impact": "minor", "urgency": "low"}
    }
    config = tmp_path / "routing.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False))
    web_port = free_port()
    url = f"sqlite:///{tmp_path / 'muster.db'}"
    with PingPeer() as check:
        env = worker_environment(
            tmp_path,
            config,
            None,
            url,
            f"muster-heartbeats-{uuid.uuid4().hex[:8]}",
            PORT=str(web_port),
            MUSTER_SELF_HEARTBEAT_URL=check.url,
            MUSTER_SELF_HEARTBEAT_EVERY="5",
        )
        worker = MusterWorker(tmp_path, env, args=("--web",)).start()
        try:
            web = f"http://127.0.0.1:{web_port}"
            wait_until(lambda: post(f"{web}/v1/heartbeats/nightly-backup") == 202, timeout=30)
            assert post(f"{web}/v1/heartbeats/nightly-backups") == 404
            database = Database.connect(url, migrate=False)
            try:

                def armed() -> bool:
                    with database.transaction() as session:
                        row = session.get(HeartbeatRow, "nightly-backup")
                        return row is not None and row.state == "up"

                wait_until(armed, timeout=30)
            finally:
                database.engine.dispose()
            wait_until(lambda: len(check.pings) >= 1, timeout=40)
            # The check has its ping before the worker logs it sent: a kill in between is a race.
            wait_until(lambda: "self_heartbeat.sent" in worker.log_text(), timeout=10)
        finally:
            worker.kill()
        pinged = len(check.pings)
        time.sleep(6)  # longer than MUSTER_SELF_HEARTBEAT_EVERY: a dead muster is silent
        assert len(check.pings) == pinged
    assert set(check.pings) == {f"/ping/{CHECK_TOKEN}"}
    logs = worker.log_text()
    assert "self_heartbeat.sent" in logs
    assert CHECK_TOKEN not in logs
