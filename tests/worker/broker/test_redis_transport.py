"""muster's Redis transport on a Redis of the test's own, killed while a message is held: what
the worker held goes back to its queue once Redis is back, and the acknowledgement of a task
that finished after its channel closed is dropped rather than fatal (Celery exits on it)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Connection, Consumer, Message, Queue
from kombu.simple import SimpleQueue

from muster.worker.broker import redis_inflight as inflight
from muster.worker.broker import redis_transport
from muster.worker.broker.transport import REDIS_RECOVERY
from tests.harness.private_servers import PrivateRedis

pytestmark = pytest.mark.integration

QUEUE = Queue("muster-transport", routing_key="muster-transport")


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis").start()
    yield server
    server.kill()


def _connect(url: str) -> Connection:
    """A connection with the transport options a muster process uses."""
    return Connection(url, transport_options=dict(REDIS_RECOVERY))


def _publish(url: str, body: str) -> None:
    with _connect(url) as connection:
        connection.SimpleQueue(QUEUE).put(body)


def _waiting(url: str) -> list[str]:
    with _connect(url) as connection:
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
    with _connect(redis.url) as connection:
        assert isinstance(connection.transport, redis_transport.Transport)


def test_a_held_message_goes_back_when_its_channel_closes(redis: PrivateRedis) -> None:
    _publish(redis.url, "declare inc-1")
    with _connect(redis.url) as connection:
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
    connection = _connect(redis.url)
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


def _consume_one(connection: Connection) -> list[Message]:
    """Fetch one message the way a worker does (``drain_events``, not ``basic_get``)."""
    got: list[Message] = []
    consumer = Consumer(connection.default_channel, [QUEUE], accept=["json", "text/plain"])
    consumer.register_callback(lambda _body, message: got.append(message))
    with consumer:
        connection.drain_events(timeout=5)
    return got


def test_a_fetch_moves_the_message_into_unacked_leaving_nothing_in_flight(
    redis: PrivateRedis,
) -> None:
    _publish(redis.url, "declare inc-4")
    with _connect(redis.url) as connection:
        (message,) = _consume_one(connection)
        channel = connection.default_channel
        raw = channel.client
        assert raw.llen(channel.inflight.key) == 0
        assert raw.hexists(channel.unacked_key, message.delivery_tag)
        assert raw.hget(inflight.REGISTRY, channel.inflight.key) == QUEUE.name.encode()
        message.ack()
        assert not raw.hexists(channel.unacked_key, message.delivery_tag)


def test_what_a_dead_consumer_had_in_flight_goes_back_to_its_queue(redis: PrivateRedis) -> None:
    """A worker killed after its fetch left Redis, before the message reached ``unacked``:
    once its alive key has expired, a live consumer's periodic check puts the message back."""
    _publish(redis.url, "declare inc-5")
    dead = inflight.InFlight(ttl=15)
    with _connect(redis.url) as connection:
        raw = connection.default_channel.client
        dead.register(raw, QUEUE.name)
        raw.lmove(QUEUE.name, dead.key, "RIGHT", "LEFT")
        assert _waiting(redis.url) == []
        raw.delete(inflight.alive_key(dead.key))  # its process died; the key expired
        connection.default_channel.qos.restore_visible(interval=1)
        assert raw.hget(inflight.REGISTRY, dead.key) is None
    assert _waiting(redis.url) == ["declare inc-5"]


def test_a_live_consumer_s_in_flight_message_is_left_alone(redis: PrivateRedis) -> None:
    _publish(redis.url, "declare inc-6")
    live = inflight.InFlight(ttl=15)
    with _connect(redis.url) as connection:
        raw = connection.default_channel.client
        live.register(raw, QUEUE.name)
        raw.lmove(QUEUE.name, live.key, "RIGHT", "LEFT")
        connection.default_channel.qos.restore_visible(interval=1)
        assert raw.llen(live.key) == 1


def test_in_flight_messages_of_a_channel_closed_while_redis_was_down_go_back_at_reconnect(
    redis: PrivateRedis,
) -> None:
    _publish(redis.url, "declare inc-7")
    connection = _connect(redis.url)
    channel = connection.default_channel
    channel.inflight.register(channel.client, QUEUE.name)
    channel.client.lmove(QUEUE.name, channel.inflight.key, "RIGHT", "LEFT")
    redis.kill()
    channel.close()
    redis.start()
    with _connect(redis.url) as again:
        again.default_channel  # noqa: B018 - a new channel puts back what the old one held
    assert _waiting(redis.url) == ["declare inc-7"]


def test_a_live_consumer_s_unacknowledged_message_is_stamped_afresh_and_never_restored(
    redis: PrivateRedis,
) -> None:
    """A task that runs far longer than the visibility timeout (a send retrying for 30 s) keeps
    its message: each periodic check stamps what the channel holds with the time now."""
    _publish(redis.url, "declare inc-8")
    with _connect(redis.url) as connection:
        (message,) = _consume_one(connection)
        channel = connection.default_channel
        raw = channel.client
        long_ago = time.time() - 60 * REDIS_RECOVERY["visibility_timeout"]
        raw.zadd(channel.unacked_index_key, {message.delivery_tag: long_ago})
        channel.qos.restore_visible(interval=1)
        assert raw.hexists(channel.unacked_key, message.delivery_tag)
        assert raw.zscore(channel.unacked_index_key, message.delivery_tag) > time.time() - 5
        assert _waiting(redis.url) == []
        message.ack()


def test_a_dead_consumer_s_unacknowledged_message_goes_back_after_the_visibility_timeout(
    redis: PrivateRedis,
) -> None:
    """A worker killed mid-task stamps nothing more: once its message is older than the
    visibility timeout, a live consumer's periodic check puts it back in the queue."""
    _publish(redis.url, "declare inc-9")
    with _connect(redis.url) as dead, _connect(redis.url) as live:
        (message,) = _consume_one(dead)
        raw = dead.default_channel.client
        key = dead.default_channel.unacked_index_key
        live.default_channel.qos.restore_visible(interval=1)
        assert _waiting(redis.url) == []  # not yet: stamped at its fetch
        since = time.time() - REDIS_RECOVERY["visibility_timeout"] - 1
        raw.zadd(key, {message.delivery_tag: since})  # the seconds of a dead worker, gone by
        live.default_channel.qos.restore_visible(interval=1)
        assert _waiting(redis.url) == ["declare inc-9"]
        message.ack()  # the dead one's copy is gone: nothing for its close to keep
