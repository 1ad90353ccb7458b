"""Redis, with persistence, killed and started again while declarations flow: nothing is lost
once it is back, producers ride out the gap, and the worker resumes by itself — shown by a fresh
declaration paged after the restart, not by the process merely being alive."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from muster.worker.client import Client
from tests.fault.configs import fan_out_document, person, service
from tests.fault.conftest import FaultRow
from tests.fault.servers import PrivateRedis
from tests.integration.harness import (
    MusterWorker,
    postgres_database,
    require_server,
    wait_until,
    worker_environment,
)
from tests.peers import MattermostPeer

pytestmark = [pytest.mark.integration, pytest.mark.fault]

PEOPLE = 10
OUTAGE = 3.0  # seconds Redis stays dead: under the producers' 10 s retry budget
RECOVERY_LIMIT = 30.0


@pytest.fixture
def redis_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[PrivateRedis, MusterWorker, MattermostPeer]]:
    require_server("PostgreSQL", 5432)
    with ExitStack() as cleanup:
        redis = PrivateRedis(tmp_path / "redis").start()
        cleanup.callback(redis.kill)
        chat = cleanup.enter_context(MattermostPeer())
        config = tmp_path / "routing.yaml"
        config.write_text(yaml.safe_dump(fan_out_document(chat.url_template(), PEOPLE)))
        database = cleanup.enter_context(postgres_database())
        queue = f"muster-fault-{uuid.uuid4().hex[:8]}"
        env = worker_environment(tmp_path, config, redis.url, database, queue)
        for key in ("MUSTER_HOME", "MUSTER_QUEUE"):
            monkeypatch.setenv(key, env[key])
        worker = MusterWorker(home=tmp_path, env=env)
        cleanup.callback(worker.stop)
        worker.start()
        yield redis, worker, chat


def test_redis_killed_and_restarted_while_declarations_flow_loses_nothing(
    redis_stack: tuple[PrivateRedis, MusterWorker, MattermostPeer],
    fault_report: list[FaultRow],
) -> None:
    redis, worker, chat = redis_stack
    client = Client(redis.url)
    declared: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def produce() -> None:
        while not stop.is_set():
            try:
                declared.append(
                    client.declare(
                        title="Storage failing",
                        impact="major",
                        urgency="high",
                        services=[service(i) for i in range(PEOPLE)],
                    )
                )
            except Exception as failure:  # noqa: BLE001 - reported by the assertion below
                failures.append(repr(failure))
            time.sleep(0.05)

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        wait_until(lambda: len(declared) >= 5 and len(chat.messages) >= PEOPLE)
        redis.kill()
        time.sleep(OUTAGE)
        redis.start()
        restarted = time.monotonic()
        time.sleep(1.0)
    finally:
        stop.set()
        producer.join(timeout=30)
    fresh = client.declare(
        title="After the restart",
        impact="major",
        urgency="high",
        services=[service(i) for i in range(PEOPLE)],
    )
    incidents = [*declared, fresh]
    expected = {(i, person(p)) for i in incidents for p in range(PEOPLE)}

    def received() -> set[tuple[str, str]]:
        return {
            (i, message.destination)
            for message in chat.messages
            for i in incidents
            if i in message.text
        }

    def paged_or_dead() -> bool:
        return expected <= received() or worker.process is None or worker.process.poll() is not None

    with contextlib.suppress(AssertionError):  # what is missing is reported below
        wait_until(paged_or_dead, timeout=RECOVERY_LIMIT + 30)
    recovered = time.monotonic() - restarted
    assert worker.process is not None
    assert worker.process.poll() is None, worker.log_text()[-3000:]
    missing = sorted({i for i, _ in expected - received()})
    assert missing == [], f"never paged: {missing} (producer failures: {failures})"
    posts = [
        (i, message.destination)
        for message in chat.messages
        for i in incidents
        if i in message.text
    ]
    fault_report.append(
        FaultRow.measured("Redis (AOF) kill -9 + restart", expected, posts, recovered)
    )
    assert failures == []
    assert set(posts) - expected == set()
    assert recovered <= RECOVERY_LIMIT
