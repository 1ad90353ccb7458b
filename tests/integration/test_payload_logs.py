"""A plain Celery producer's payload is never logged, at any level.

Celery logs what a task was called with: the pool's ``TaskPool: Apply … (args: …)`` and the
``Received task … args`` line at DEBUG, built from the message's ``argsrepr`` header, which a
producer that is not muster's client fills with a repr of the whole payload. A payload may carry
a token-bearing link; a real worker runs at DEBUG, a plain Celery producer (no ``argsrepr`` of
its own) declares an incident with a canary in its title, summary and a link, and no line the
worker wrote holds the canary.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import select

from muster.worker.store.db import Database
from muster.worker.store.models import Incident
from muster.worker.tasks.names import DECLARED
from tests.harness.configs import DEMO
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.servers import broker_url, purge
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration]


@pytest.fixture
def debug_worker(tmp_path: Path) -> Iterator[tuple[MusterWorker, str, Database]]:
    url = broker_url("redis", tmp_path)
    assert url is not None
    config = tmp_path / "routing.yaml"
    config.write_text(DEMO.read_text())
    queue = f"muster-test-{uuid.uuid4().hex[:8]}"
    database_url = f"sqlite:///{tmp_path / 'muster.db'}"
    env = worker_environment(tmp_path, config, url, database_url, queue)
    purge(url, queue)
    worker = MusterWorker(home=tmp_path, env=env, beat=False, args=("--loglevel", "DEBUG"))
    try:
        worker.start()
        database = Database.connect(database_url)
        yield worker, queue, database
        database.engine.dispose()
    finally:
        worker.stop()
        purge(url, queue)


def test_a_plain_celery_producers_payload_is_in_no_log_line(
    debug_worker: tuple[MusterWorker, str, Database],
) -> None:
    worker, queue, database = debug_worker
    canary = f"CANARY{secrets.token_hex(8)}"
    incident_id = f"payload-{uuid.uuid4().hex[:8]}"
    producer = Celery(broker=broker_url("redis", Path()))
    try:
        producer.send_task(
            DECLARED,
            args=[
                {
                    "incident_id": incident_id,
                    "title": f"Checkout failing {canary}",
                    "summary": f"ack: https://example.test/ack/{canary}.{canary}",
                    "impact": "minor",
                    "urgency": "medium",
                    "services": ["payments-api"],
                    "links": {"dashboard": f"https://example.test/d/{canary}"},
                }
            ],
            queue=queue,
        )
    finally:
        producer.close()

    def declared() -> bool:
        with database.transaction() as session:
            return session.scalar(select(Incident.id).where(Incident.id == incident_id)) is not None

    wait_until(declared, timeout=30)
    wait_until(lambda: "message.handled" in worker.log_text(), timeout=10)
    text = worker.log_text()
    assert "TaskPool: Apply" in text  # the line that carried the payload, now without it
    leaked = [line for line in text.splitlines() if canary in line]
    assert leaked == []
