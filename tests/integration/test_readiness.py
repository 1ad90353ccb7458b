"""``muster worker --beat --web`` with ``MUSTER_METRICS_PORT``, as ``make run`` starts it: once
running, ``/readyz`` answers 200 (broker, database, a worker and a beat seen), the worker's
metrics port serves the beat's sends and a page's counters, and a clean stop removes its
liveness rows."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from muster.config.settings import Settings
from muster.worker.store.db import Database
from muster.worker.store.upkeep_models import PROCESSES
from muster.worker.web.ready import probes
from tests.harness.configs import DEMO, pinned_rotations
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers.common import free_port
from tests.harness.servers import broker_url, postgres_database
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.wallclock]

TOKEN = "demo-only-token-change-me"  # the demo config's caller


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:  # noqa: S310 - 127.0.0.1
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()
    except OSError:
        return 0, ""


def metric(text: str, line_start: str) -> float:
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_running_worker_with_beat_and_web_is_ready_and_exports_metrics(tmp_path: Path) -> None:
    document: dict[str, Any] = yaml.safe_load(DEMO.read_text())
    document["rotations"] = pinned_rotations(document)
    document.pop("overrides", None)
    config = tmp_path / "routing.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False))
    web_port, metrics_port = free_port(), free_port()
    database = f"sqlite:///{tmp_path / 'muster.db'}"
    env = worker_environment(
        tmp_path,
        config,
        None,
        database,
        f"muster-metrics-{uuid.uuid4().hex[:8]}",
        PORT=str(web_port),
        MUSTER_METRICS_PORT=str(metrics_port),
    )
    web = f"http://127.0.0.1:{web_port}"
    exported = f"http://127.0.0.1:{metrics_port}/metrics"
    worker = MusterWorker(tmp_path, env, args=("--web",)).start()
    try:

        def ready() -> str | None:
            status, text = get(f"{web}/readyz")
            return text if status == 200 else None

        body = json.loads(wait_until(ready, timeout=20))
        assert body["status"] == "ready"
        assert set(body["checks"]) == {"broker", "database", "worker", "beat", "config"}
        assert body["checks"]["config"]["detail"].startswith("serving ")  # the file, valid

        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1
            f"{web}/v1/messages/declared",
            data=json.dumps(
                {"title": "Ready", "impact": "critical", "urgency": "high", "services": ["search"]}
            ).encode(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            assert answer.status == 202

        def paged_and_scanned() -> str | None:
            _, text = get(exported)
            first_page = metric(text, "muster_first_page_seconds_count")
            scans = metric(text, 'muster_beat_sent_total{task="muster.timers.scan"}')
            return text if first_page >= 1 and scans >= 1 else None

        text = wait_until(paged_and_scanned, timeout=15)
        assert 'purpose="page"' in text
        assert 'muster_deliveries_unsent{status="pending"}' in text
    finally:
        worker.stop()
    store = Database.connect(database, migrate=False)
    try:
        with store.engine.connect() as connection:
            assert list(connection.execute(select(PROCESSES))) == []  # a clean stop: gone
    finally:
        store.engine.dispose()
    with suppress(Exception):
        assert get(f"{web}/readyz")[0] == 0  # nothing serves any more


DEAD = {"redis": "redis://127.0.0.1:1/0", "rabbitmq": "amqp://guest:guest@127.0.0.1:1//"}


@pytest.mark.parametrize("kind", ["redis", "rabbitmq"])
def test_the_real_probes_on_a_server_broker_and_postgresql(kind: str, tmp_path: Path) -> None:
    """The probes the deployed web builds: a broker connection and, read-only, PostgreSQL;
    servers that are not there fail their checks at once, not after a hang."""
    url = broker_url(kind, tmp_path)
    with postgres_database() as database:
        Database.connect(database).engine.dispose()  # the schema, as a worker would make it
        checks = {c.name: c for c in probes(Settings(broker_url=url, database_url=database))()}
        assert checks["broker"].ok, checks["broker"]
        assert checks["database"].ok, checks["database"]
        assert checks["worker"].detail == "no worker seen within 30 s"  # nothing running
        nowhere = Settings(
            broker_url=DEAD[kind], database_url="postgresql+psycopg://postgres@127.0.0.1:1/x"
        )
        started = time.monotonic()
        checks = {c.name: c for c in probes(nowhere)()}
        assert time.monotonic() - started < 2.5
        assert [name for name, c in checks.items() if not c.ok] == [
            "broker",
            "database",
            "worker",
            "beat",
        ]
        assert checks["broker"].detail == "unreachable (OperationalError)"
