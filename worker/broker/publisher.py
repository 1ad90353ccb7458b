"""Queueing task messages with kombu alone: what Celery's ``send_task`` does for a producer,
without importing Celery (issue 19: ``muster declare`` answers at once, the web holds less).

The connection, its transport options and timeout, the pooled producers (the web publishes from
many threads at once), the declared queue and every publish option are Celery's for muster's
app (:func:`muster.worker.broker.app.make_app`); the message is
:func:`muster.worker.broker.task_message.task_message`.
"""

from __future__ import annotations

import threading
from typing import Any

from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.pools import ProducerPool

from muster.config.settings import Settings
from muster.worker.broker.task_message import TaskMessage
from muster.worker.broker.transport import embedded_scheme, transport_options

# Celery's defaults for muster's app: its broker_connection_timeout, broker_pool_limit and
# task_default_delivery_mode ("persistent": a message survives a broker restart).
CONNECT_TIMEOUT = 4.0
POOL_LIMIT = 10
PERSISTENT = 2


class Publisher:
    """Publishes to muster's queue (``MUSTER_QUEUE``) on the broker at ``url``."""

    def __init__(self, url: str, settings: Settings) -> None:
        self.url = embedded_scheme(url)
        self.options = transport_options(self.url, settings)
        # Celery's default queue: a direct exchange of the queue's name, bound by that name.
        self.queue = Queue(
            settings.queue, Exchange(settings.queue, type="direct"), routing_key=settings.queue
        )
        self._pools: tuple[Any, ProducerPool] | None = None
        self._building = threading.Lock()

    def connection(self) -> Any:
        """A new kombu connection to the broker, as the publisher's own are made (for a raw
        publish: a tool's or a test's, not the contract's)."""
        return Connection(self.url, transport_options=self.options, connect_timeout=CONNECT_TIMEOUT)

    def _producers(self) -> ProducerPool:
        """The pooled producers, made on the first publish: an unusable URL (a transport kombu
        does not know) is then an error of publishing, as it is Celery's."""
        with self._building:
            if self._pools is None:
                connections = self.connection().Pool(limit=POOL_LIMIT)
                self._pools = connections, ProducerPool(connections, limit=POOL_LIMIT)
            return self._pools[1]

    def publish(self, message: TaskMessage, retry_policy: dict[str, Any]) -> None:
        """Publish ``message``, retried as ``retry_policy`` says (kombu's ``ensure``); raises
        kombu's OperationalError (or the transport's own) when the broker cannot take it."""
        with self._producers().acquire(block=True) as producer, _as_kombus(producer):
            # Celery sends to the default exchange, routed by the queue's name, and declares
            # the queue (and its own exchange) first, once per connection.
            producer.publish(
                message.body,
                exchange="",
                routing_key=self.queue.name,
                serializer="json",
                compression=None,
                retry=True,
                retry_policy=retry_policy,
                delivery_mode=PERSISTENT,
                declare=[self.queue],
                headers=message.headers,
                timeout=None,
                confirm_timeout=None,
                **message.properties,
            )

    def close(self) -> None:
        """Close every pooled connection."""
        with self._building:
            if self._pools is not None:
                for pool in reversed(self._pools):
                    pool.force_close_all()
                self._pools = None


def _as_kombus(producer: Any) -> Any:
    """A transport's own errors raised as kombu's (a lost connection: OperationalError), as
    Celery raises them from ``send_task``."""
    return producer.connection._reraise_as_library_errors()
