"""muster's Redis transport on a Redis of the test's own, killed while a message is held: what
the worker held goes back to its queue once Redis is back, and the acknowledgement of a task
that finished after its channel closed is dropped rather than fatal (Celery exits on it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Connection, Queue
from kombu.simple import SimpleQueue

from muster.worker.broker import redis_transport
from tests.fault.servers import PrivateRedis

pytestmark = pytest.mark.integration

QUEUE = Queue("muster-transport", routing_key="muster-transport")


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis").start()
    yield server
    server.kill()


def _publish(url: str, body: str) -> None:
    with Connection(url) as connection:
        connection.SimpleQueue(QUEUE).put(body)


def _waiting(url: str) -> list[str]:
    with Connection(url) as connection:
        simple = connection.SimpleQueue(QUEUE)
        bodies = []
        while True:
            try:
                message = simple.get(block=False)
            except simple.Empty:
                return bodies
            bodies.append(message.payload)
            message.ack()


def test_redis_urls_get_muster_s_transport(redis: PrivateRedis) -> None:
    with Connection(redis.url) as connection:
        assert isinstance(connection.transport, redis_transport.Transport)


def test_a_held_message_goes_back_when_its_channel_closes(redis: PrivateRedis) -> None:
    _publish(redis.url, "declare inc-1")
    with Connection(redis.url) as connection:
        assert connection.SimpleQueue(QUEUE).get(timeout=5).payload == "declare inc-1"
        connection.default_channel.close()
    assert _waiting(redis.url) == ["declare inc-1"]


@pytest.mark.parametrize("finish", ["ack", "reject"])
def test_a_task_finishing_after_redis_died_under_it_runs_again_and_kills_nothing(
    redis: PrivateRedis, finish: str
) -> None:
    """The connection goes while a task runs; Celery lets the transport go, then closes the
    consumer's channel, which can reach neither Redis nor its connection's settings, so the
    worker keeps the message; the task finishes after Redis is back and acknowledges on the
    closed channel. Nothing raises, and the message is in its queue once more."""
    _publish(redis.url, "declare inc-2")
    connection = Connection(redis.url)
    channel = connection.channel()
    held = SimpleQueue(channel, QUEUE).get(timeout=5)
    redis.kill()
    connection.transport.client = None  # as kombu's Connection.collect() leaves it
    channel.close()
    assert redis_transport.kept() == 1
    redis.start()
    getattr(held, finish)()
    assert _waiting(redis.url) == ["declare inc-2"]
    assert redis_transport.kept() == 0
