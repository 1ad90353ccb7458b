"""A broker killed and started again while declarations flow — Redis with persistence, and
RabbitMQ — on a server of the test's own: nothing is lost once it is back, producers ride out the
gap (and one whose budget is shorter than the gap fails with one clear line), and the worker
resumes by itself — shown by a fresh declaration paged after the restart, not by the process
merely being alive."""

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

from muster.config.settings import Settings
from muster.worker.client import BrokerUnavailable, Client
from tests.harness.fault_configs import fan_out_document, person, service
from tests.harness.fault_report import FaultRow
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers import MattermostPeer
from tests.harness.private_servers import PrivateRabbitMQ, PrivateRedis
from tests.harness.servers import postgres_database, require_server
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.fault]

PEOPLE = 10
OUTAGE = 3.0  # seconds the broker stays dead before it is started again
RECOVERY_LIMIT = 30.0
# How long the producers retry: the outage and a start of the broker. Redis is back at once
# (under the 10 s default); a RabbitMQ node takes 4 s to boot on the idle 2-core build machine,
# 9 s when it is busy.
PUBLISH_BUDGET = {"redis": 10.0, "rabbitmq": 40.0}
SCENARIO = {"redis": "Redis (AOF) kill -9 + restart", "rabbitmq": "RabbitMQ kill -9 + restart"}
SHORT_BUDGET = 1.0  # a producer that gives up during the outage

Broker = PrivateRedis | PrivateRabbitMQ


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_stack(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Broker, MusterWorker, MattermostPeer]]:
    require_server("PostgreSQL", 5432)
    kind: str = request.param
    with ExitStack() as cleanup:
        broker: Broker = (
            PrivateRedis(tmp_path / "redis")
            if kind == "redis"
            else PrivateRabbitMQ(tmp_path / "rabbitmq")
        )
        broker.start()
        cleanup.callback(broker.kill)
        chat = cleanup.enter_context(MattermostPeer())
        config = tmp_path / "routing.yaml"
        config.write_text(yaml.safe_dump(fan_out_document(chat.url_template(), PEOPLE)))
        database = cleanup.enter_context(postgres_database())
        queue = f"muster-fault-{uuid.uuid4().hex[:8]}"
        env = worker_environment(tmp_path, config, broker.url, database, queue)
        for key in ("MUSTER_HOME", "MUSTER_QUEUE"):
            monkeypatch.setenv(key, env[key])
        monkeypatch.setenv("MUSTER_PUBLISH_TIMEOUT", str(PUBLISH_BUDGET[kind]))
        worker = MusterWorker(home=tmp_path, env=env)
        cleanup.callback(worker.stop)
        worker.start()
        yield kind, broker, worker, chat


def gives_up_in_one_line(url: str) -> None:
    """A producer whose retry budget is shorter than the outage: it fails within about that
    budget with :class:`BrokerUnavailable`, one line, rather than hanging or a traceback."""
    client = Client(url, settings=Settings(publish_timeout=SHORT_BUDGET))
    began = time.monotonic()
    with pytest.raises(BrokerUnavailable) as failure:
        client.declare(title="Nobody hears", impact="major", urgency="high", services=[service(0)])
    assert time.monotonic() - began < SHORT_BUDGET + 2.0
    assert "nothing was queued" in str(failure.value)
    assert "\n" not in str(failure.value)


def test_broker_killed_and_restarted_while_declarations_flow_loses_nothing(
    broker_stack: tuple[str, Broker, MusterWorker, MattermostPeer],
    fault_report: list[FaultRow],
) -> None:
    kind, broker, worker, chat = broker_stack
    client = Client(broker.url)
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
        broker.kill()
        gives_up_in_one_line(broker.url)
        time.sleep(OUTAGE)
        broker.start()
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
    fault_report.append(FaultRow.measured(SCENARIO[kind], expected, posts, recovered))
    assert failures == []
    assert set(posts) - expected == set()
    assert recovered <= RECOVERY_LIMIT
