"""The embedded broker's transport under a producer and a consumer running at the same time."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from kombu import Connection, Exchange, Queue

from muster.worker.broker import fs_transport  # noqa: F401 - registers musterfs://


def options(root: Path) -> dict[str, object]:
    queue = root / "queue"
    queue.mkdir(parents=True)
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(root / "processed"),
        "store_processed": True,
        "control_folder": str(root / "control"),
        "polling_interval": 0.001,
    }


def produce(settings: dict[str, object], count: int) -> None:
    """Publish ``count`` messages from another process, as the CLI or a second worker does."""
    with Connection("musterfs://", transport_options=settings) as connection:
        queue = connection.SimpleQueue("stress")
        for n in range(count):
            queue.put({"n": n, "text": "x" * 2_000})


def test_a_consumer_never_reads_a_half_written_message(tmp_path: Path) -> None:
    """1,000 messages written by another process while being consumed all arrive whole;
    kombu's own filesystem transport can hand a consumer a file it has not finished writing."""
    sent = 1_000
    received: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()
    settings = options(tmp_path)

    def consume() -> None:
        try:
            with Connection("musterfs://", transport_options=settings) as connection:
                queue = connection.SimpleQueue("stress")
                while len(received) < sent:
                    message = queue.get(timeout=60)
                    received.append(message.payload["n"])
                    message.ack()
        except BaseException as failure:  # noqa: BLE001 - reported by the assertions below
            errors.append(failure)
        finally:
            done.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    producer = multiprocessing.get_context("spawn").Process(target=produce, args=(settings, sent))
    producer.start()
    producer.join(120)
    assert producer.exitcode == 0
    assert done.wait(180)
    consumer.join()
    assert errors == []
    assert sorted(received) == list(range(sent))
    assert not (tmp_path / "rejected").exists()


def test_an_unreadable_file_is_set_aside_not_fatal(tmp_path: Path) -> None:
    """A corrupt file in the queue is moved to rejected/ and the next message is delivered."""
    settings = options(tmp_path)
    (tmp_path / "queue" / "0_bad.corrupt.msg").write_bytes(b"")
    with Connection("musterfs://", transport_options=settings) as connection:
        queue = connection.SimpleQueue("corrupt")
        queue.put({"n": 1})
        message = queue.get(timeout=5)
        assert message.payload == {"n": 1}
        message.ack()
    assert [p.name for p in (tmp_path / "rejected").iterdir()] == ["0_bad.corrupt.msg"]


def test_a_publisher_sees_bindings_made_and_removed_after_its_first_publish(
    tmp_path: Path,
) -> None:
    """The exchange table is cached between publishes (kombu reads it from disk each time):
    another connection's new binding, or its queue deleted, still routes the next message."""
    settings = options(tmp_path)
    exchange = Exchange("alerts", type="direct")
    first, second = Queue("first", exchange, "first"), Queue("second", exchange, "second")
    with (
        Connection("musterfs://", transport_options=settings) as publisher,
        Connection("musterfs://", transport_options=settings) as other,
    ):
        producer = publisher.Producer()
        producer.publish({"n": 1}, exchange=exchange, routing_key="first", declare=[first])
        bound = second.bind(other.default_channel)
        bound.declare()
        producer.publish({"n": 2}, exchange=exchange, routing_key="second")
        message = bound.get()
        assert message is not None
        assert message.payload == {"n": 2}
        message.ack()
        bound.delete()
        producer.publish({"n": 3}, exchange=exchange, routing_key="second")
        assert bound.get() is None, "routed by a table older than the queue's deletion"
