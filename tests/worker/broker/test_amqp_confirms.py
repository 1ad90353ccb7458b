"""What a producer was told is queued on RabbitMQ is there after RabbitMQ crashes.

Without publisher confirms a publish returns once its bytes are in the socket: a private node
killed right after twenty declarations kept none of them, though each ``declare`` had returned an
incident id. muster's app asks for confirms on every AMQP connection (the producer client's and
the worker's own, which queues fan-outs and pages), so a publish returns only once RabbitMQ has
the persistent message on disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Connection

from muster.worker.broker.app import make_app
from muster.worker.client import Client
from tests.harness.private_servers import PrivateRabbitMQ

pytestmark = pytest.mark.integration

DECLARATIONS = 20


@pytest.fixture
def rabbitmq(tmp_path: Path) -> Iterator[PrivateRabbitMQ]:
    node = PrivateRabbitMQ(tmp_path / "rabbitmq").start()
    yield node
    node.kill()


def test_declarations_returned_to_the_producer_survive_rabbitmq_killed_right_after(
    rabbitmq: PrivateRabbitMQ, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = "muster-confirms"
    monkeypatch.setenv("MUSTER_HOME", str(tmp_path))
    monkeypatch.setenv("MUSTER_QUEUE", queue)
    client = Client(rabbitmq.url)
    for _ in range(DECLARATIONS):
        client.declare(title="Disk full", impact="major", urgency="high", services=["search"])
    rabbitmq.kill()  # SIGKILL at once: nothing is flushed that was not already on disk
    rabbitmq.start()
    with Connection(rabbitmq.url) as connection:
        kept = connection.default_channel.queue_declare(queue=queue, passive=True)
    assert kept.message_count == DECLARATIONS


def test_the_worker_keeps_its_prefetch_whole_after_a_lost_connection() -> None:
    """Celery's prefetch reduction raises the count again from a pool thread, reading the AMQP
    answer off the connection the event loop reads: under the thread pool the worker split the
    stream and stopped consuming after a RabbitMQ restart (see ``make_app``)."""
    app = make_app("amqp://guest:guest@127.0.0.1:5672//")
    assert app.conf.worker_enable_prefetch_count_reduction is False
    assert app.conf.broker_transport_options["confirm_publish"] is True
