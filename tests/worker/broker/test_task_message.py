"""A producer publishes with kombu alone exactly the message Celery's ``send_task`` sends, on
every broker: the same headers, properties, body bytes, exchange and routing key (only the ids
each send draws afresh differ), and a real Celery worker runs both alike."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kombu.connection import Connection
from kombu.message import Message

from muster.config.settings import Settings
from muster.worker.broker.app import make_app
from muster.worker.broker.transport import broker_url as configured_broker
from muster.worker.broker.transport import transport_options
from muster.worker.client import Client
from tests.harness.in_process import consuming
from tests.harness.servers import BROKERS, broker_url, fresh_queue, purge
from tests.harness.waiting import wait_until

pytestmark = pytest.mark.integration

TASK = "test.recorded"
PAYLOAD = {"incident_id": "inc-0123456789ab", "title": "Checkout failing", "services": ["api"]}
ARGSREPR = f"({TASK} inc-0123456789ab)"
DRAWN = ("id", "root_id", "correlation_id", "reply_to", "delivery_tag")
HEADERS = "application_headers"  # AMQP's properties hold the headers too


@dataclass
class Broker:
    url: str
    settings: Settings

    def connection(self) -> Any:
        return Connection(self.url, transport_options=transport_options(self.url, self.settings))


@pytest.fixture(params=BROKERS)
def broker(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Broker]:
    monkeypatch.setenv("MUSTER_HOME", str(tmp_path))
    monkeypatch.setenv("MUSTER_QUEUE", fresh_queue())
    settings = Settings()
    url = broker_url(request.param, tmp_path)
    purge(url, settings.queue)
    yield Broker(url or configured_broker(settings), settings)
    purge(url, settings.queue)


def _received(broker: Broker, count: int) -> list[Message]:
    with broker.connection() as connection:
        queue = connection.SimpleQueue(broker.settings.queue)
        try:
            return [queue.get(timeout=10) for _ in range(count)]
        finally:
            queue.close()


def _as_sent(message: Message) -> dict[str, Any]:
    """What a consumer reads of ``message``, without the ids drawn for each send."""
    headers = {key: value for key, value in message.headers.items() if key not in DRAWN}
    properties = {k: v for k, v in message.properties.items() if k not in (*DRAWN, HEADERS)}
    route = {key: message.delivery_info.get(key) for key in ("exchange", "routing_key")}
    assert message.headers["id"] == message.headers["root_id"]
    assert message.headers["id"] == message.properties["correlation_id"]
    return {
        "body": message.body,
        "content_type": message.content_type,
        "content_encoding": message.content_encoding,
        "headers": headers,
        "properties": properties,
        "route": route,
    }


@pytest.mark.parametrize("argsrepr", [ARGSREPR, None], ids=["with-repr", "replayed"])
def test_kombu_alone_publishes_the_message_celery_sends(
    broker: Broker, argsrepr: str | None
) -> None:
    by_celery = Client(broker.url, app=make_app(broker.url, broker.settings))
    by_kombu = Client(broker.url)
    try:
        ids = [c.send_call(TASK, [PAYLOAD], {}, argsrepr) for c in (by_celery, by_kombu)]
        # By id, not by order: the embedded broker names its files by the millisecond, so two
        # messages sent within one come back in either order.
        received = {message.headers["id"]: message for message in _received(broker, 2)}
    finally:
        by_celery.close()
        by_kombu.close()
    assert sorted(received) == sorted(ids)
    celerys, kombus = received[ids[0]], received[ids[1]]
    assert _as_sent(kombus) == _as_sent(celerys)


def test_a_celery_worker_runs_the_kombu_message_as_it_runs_celerys(broker: Broker) -> None:
    app = make_app(broker.url, broker.settings)
    ran: list[tuple[str, Any, str | None]] = []
    done = threading.Event()
    task = f"{TASK}.{broker.settings.queue}"  # Celery keeps the first callable of a name

    @app.task(name=task, bind=True)
    def recorded(task: Any, payload: dict[str, Any]) -> None:
        ran.append((task.request.id, payload, task.request.argsrepr))
        if len(ran) == 2:
            done.set()

    by_celery, by_kombu = Client(app=app), Client(broker.url)
    try:
        with consuming(app):
            ids = [c.send_call(task, [PAYLOAD], {}, ARGSREPR) for c in (by_celery, by_kombu)]
            wait_until(done.is_set, timeout=30)
    finally:
        by_kombu.close()
        app.close()
    assert sorted(ran) == sorted((id_, PAYLOAD, ARGSREPR) for id_ in ids)
