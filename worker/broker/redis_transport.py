"""kombu's Redis transport, made to survive losing Redis without losing what a worker held.

Two gaps showed in muster's fault suite, killing a persistent Redis while declarations flowed:

* **A fetched message could vanish.** kombu takes a message off the queue (``BRPOP``) and only
  then writes its copy into Redis's ``unacked`` set. When Redis dies between the two, or while
  the worker holds messages, kombu's restore on the lost connection reads the copies from Redis
  — which it cannot reach, or which were never written — and the messages exist nowhere but in
  the worker's memory, then nowhere: one declaration in about four such kills was never paged.
  Here the worker keeps every message it could not put back and puts it back as soon as a
  channel connects again. Messages whose copy is in ``unacked`` may then also come back through
  the visibility timeout: a duplicate, which muster's keyed handlers make harmless.
* **The worker could die.** Closing a channel after the loss asks kombu to build a client from
  the connection it has just let go of (``AttributeError: 'NoneType' object has no attribute
  'hostname'``); Celery counts that as unrecoverable and exits. The close now lets it pass.
  So does the acknowledgement of a task that was still running when the connection went and
  finished after the worker reconnected (the thread pool cannot cancel it): kombu sends it on
  the closed channel (``... has no attribute 'client'``) and the worker exited, leaving every
  later declaration unconsumed. That message was already put back when its channel closed, so
  the late acknowledgement is dropped and the task runs once more, which its keys make harmless.

muster registers this transport for ``redis://`` and ``rediss://`` in its own processes, so
URLs stay as ops write them.
"""

from __future__ import annotations

import threading
from typing import Any

import structlog
from kombu.transport import TRANSPORT_ALIASES, redis

log = structlog.get_logger("muster.broker")

# Messages this process fetched and could not put back: (payload, exchange, routing key).
_kept: list[tuple[Any, str, str]] = []
_kept_lock = threading.Lock()


def _keep(message: Any) -> None:
    info = message.delivery_info
    with _kept_lock:
        _kept.append((message._raw, info["exchange"], info["routing_key"]))


def kept() -> int:
    """How many fetched messages wait to be put back (for tests and logs)."""
    with _kept_lock:
        return len(_kept)


class QoS(redis.QoS):
    """Puts back what the worker held from its memory when Redis's copy is missing or Redis is
    unreachable, rather than from Redis's copy only."""

    def ack(self, delivery_tag: Any) -> None:
        if self._closed():
            log.info("broker.redis_late_ack_dropped")
            return
        super().ack(delivery_tag)

    def reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        if self._closed():
            log.info("broker.redis_late_reject_dropped", requeue=requeue)
            return
        super().reject(delivery_tag, requeue=requeue)

    def _closed(self) -> bool:
        """The channel is closed: what it held was put back (or kept) when it closed."""
        channel = self.channel
        return bool(getattr(channel, "closed", False)) or getattr(channel, "connection", 1) is None

    def restore_unacked(self, client: Any = None) -> None:
        held = list(self._delivered.items())
        restored: set[Any] = set()
        try:
            with self.channel.conn_or_acquire(client) as connection:
                for tag, message in held:
                    if connection.hexists(self.unacked_key, tag):
                        self.restore_by_tag(tag, client=connection)
                    else:
                        _keep(message)
                    restored.add(tag)
        except Exception as failure:  # noqa: BLE001 - Redis gone: keep them all for later
            log.warning(
                "broker.redis_restore_deferred",
                messages=len(held) - len(restored),
                error=type(failure).__name__,
            )
            for tag, message in held:
                if tag not in restored:
                    _keep(message)
        self._delivered.clear()


class Channel(redis.Channel):
    """A Redis channel that puts back what an earlier connection could not, and whose close
    survives a connection already gone."""

    QoS = QoS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._put_back_kept()

    def _put_back_kept(self) -> None:
        with _kept_lock:
            waiting = list(_kept)
            _kept.clear()
        if not waiting:
            return
        try:
            with self.conn_or_acquire() as client:
                pipe = client.pipeline()
                for payload, exchange, routing_key in waiting:
                    self._do_restore_message(payload, exchange, routing_key, pipe, leftmost=True)
                pipe.execute()
            log.warning("broker.redis_messages_put_back", messages=len(waiting))
        except Exception as failure:  # noqa: BLE001 - not yet: the next channel tries again
            with _kept_lock:
                _kept[:0] = waiting
            log.warning("broker.redis_put_back_failed", error=type(failure).__name__)

    def close(self) -> None:
        try:
            super().close()
        except AttributeError:
            log.warning("broker.redis_channel_closed_without_restore")


class Transport(redis.Transport):
    """kombu's Redis transport with :class:`Channel`."""

    Channel = Channel


for _scheme in ("redis", "rediss"):
    TRANSPORT_ALIASES[_scheme] = f"{__name__}:Transport"
