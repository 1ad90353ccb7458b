"""A signed request replayed to another ``muster web`` process sharing the database is refused:
the seen signatures live in the database, not in a process (issue 20)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from muster.worker.store.db import make_engine, upgrade
from tests.harness.configs import DEMO
from tests.harness.muster_processes import MusterWeb, worker_environment
from tests.harness.peers.common import free_port

pytestmark = pytest.mark.integration

TOKEN = "grafana-token-0123456789"
SECRET = "grafana-hmac-secret-0123456789"
BODY = json.dumps(
    {"title": "API down", "impact": "critical", "urgency": "high", "services": ["payments-api"]}
).encode()


def post(port: int, stamp: str) -> tuple[int, str]:
    signature = hmac.new(SECRET.encode(), stamp.encode() + b":" + BODY, hashlib.sha256)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "POST",
            "/v1/messages/declared",
            body=BODY,
            headers={
                "Authorization": f"Bearer {TOKEN}",
                "Content-Type": "application/json",
                "X-Grafana-Alerting-Signature": signature.hexdigest(),
                "X-Grafana-Alerting-Timestamp": stamp,
            },
        )
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


def test_a_request_replayed_to_another_web_process_is_401(tmp_path: Path) -> None:
    document = yaml.safe_load(DEMO.read_text())
    document["intake"]["callers"]["grafana"] = {
        "token": TOKEN,
        "signature": {"secret": SECRET, "timestamp_header": "X-Grafana-Alerting-Timestamp"},
    }
    config = tmp_path / "routing.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False))
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    upgrade(engine)  # as the worker does at start
    engine.dispose()
    env = worker_environment(tmp_path, config, None, url, "replays")
    one = MusterWeb(tmp_path, env, port=free_port(), name="web-one")
    two = MusterWeb(tmp_path, env, port=free_port(), name="web-two")
    with ExitStack() as cleanup:
        cleanup.callback(one.stop)
        cleanup.callback(two.stop)
        one.start()
        two.start()
        stamp = str(int(time.time()))
        assert post(one.port, stamp)[0] == 202
        status, detail = post(two.port, stamp)
        assert status == 401
        assert "already accepted" in detail
        assert post(one.port, stamp)[0] == 401
        assert post(two.port, str(int(time.time()) + 1))[0] == 202  # signed anew: no replay
