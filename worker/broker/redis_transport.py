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

* **A message could be popped and lost on the wire.** ``BRPOP`` removes a message and only its
  reply hands it to the worker: Redis killed between the two lost it (about one restart in
  eight). Fetches go through an in-flight list instead (:mod:`muster.worker.broker.
  redis_inflight`), when the channel consumes one queue key, as a muster worker does.

muster registers this transport for ``redis://`` and ``rediss://`` in its own processes, so
URLs stay as ops write them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from queue import Empty
from time import monotonic, time
from typing import Any

import structlog
from kombu.transport import redis, virtual
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import dumps, loads

from muster.worker.broker import redis_inflight

log = structlog.get_logger("muster.broker")

# What this process could not put back while Redis was unreachable, each retried once a channel
# connects again: a message it held, or the in-flight list of a channel that closed. Each returns
# how many messages it put back; beside it, how many messages it is known to hold (a list's
# length is unknown until Redis answers).
PutBack = Callable[["Channel", Any], int]
_waiting: list[tuple[PutBack, int]] = []
_waiting_lock = threading.Lock()


def _later(put_back: PutBack, held: int = 0) -> None:
    with _waiting_lock:
        _waiting.append((put_back, held))


def _keep(message: Any) -> None:
    payload, info = message._raw, message.delivery_info

    def put_back(channel: Channel, client: Any) -> int:
        channel._do_restore_message(
            payload, info["exchange"], info["routing_key"], client, leftmost=True
        )
        return 1

    _later(put_back, held=1)


def kept() -> int:
    """How many fetched messages wait to be put back (for tests and logs)."""
    with _waiting_lock:
        return sum(held for _, held in _waiting)


class QoS(redis.QoS):
    """Puts back what the worker held from its memory when Redis's copy is missing or Redis is
    unreachable, rather than from Redis's copy only."""

    def append(self, message: Any, delivery_tag: Any) -> None:
        """The ``unacked`` copy written and the in-flight one removed in one transaction."""
        moved = self.channel.take_moved()
        if moved is None:
            super().append(message, delivery_tag)
            return
        delivery = message.delivery_info
        copy = dumps([message._raw, delivery["exchange"], delivery["routing_key"]])
        with self.pipe_or_acquire() as pipe:
            pipe.zadd(self.unacked_index_key, {delivery_tag: time()})
            pipe.hset(self.unacked_key, delivery_tag, copy)
            pipe.lrem(self.channel.inflight.key, 1, moved)
            pipe.execute()
        virtual.QoS.append(self, message, delivery_tag)

    def restore_visible(self, start: int = 0, num: int = 10, interval: int = 10) -> None:
        """kombu's periodic restore, after keeping this channel alive: what it still holds
        stamped afresh (so only a dead worker's messages age past the visibility timeout), and
        what dead channels' in-flight lists hold put back."""
        with self.channel.conn_or_acquire() as client:
            moved = self.channel.inflight.refresh_and_reclaim(client)
            self.stamp_held(client)
        if moved:
            log.warning("broker.redis_inflight_reclaimed", messages=moved)
        super().restore_visible(start=start, num=num, interval=interval)

    def stamp_held(self, client: Any) -> int:
        """Stamp the messages this channel holds unacknowledged with the time now, in one
        command; only those still in the index (``XX``: one acknowledged meanwhile stays gone).
        How many were held."""
        try:
            held = list(self._delivered)
        except RuntimeError:  # a pool thread acknowledged meanwhile: the next tick stamps them
            return 0
        if held:
            now = time()
            client.zadd(self.unacked_index_key, dict.fromkeys(held, now), xx=True)
        return len(held)

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
        self.inflight = redis_inflight.InFlight(ttl=self.visibility_timeout)
        self._moved: bytes | None = None
        self._moving_from: str | None = None
        self._put_back_waiting()

    def take_moved(self) -> bytes | None:
        """The raw message the current fetch moved to the in-flight list, once."""
        moved, self._moved = self._moved, None
        return moved

    def _brpop_start(self, timeout: float | None = None) -> None:
        """``BLMOVE`` from the one queue key into the in-flight list (``BRPOP`` otherwise)."""
        if timeout is None:
            timeout = self.brpop_timeout
        queues = self._queue_cycle.consume(len(self.active_queues))
        if not queues:
            return
        keys = [self._q_for_pri(queue, pri) for pri in self.priority_steps for queue in queues]
        if len(keys) != 1 or self.global_keyprefix:
            super()._brpop_start(timeout)
            return
        with self.conn_or_acquire() as client:
            self.inflight.register(client, keys[0])
        self._moving_from = queues[0]
        self._in_poll = self.client.connection
        self._brpop_sent_at = monotonic()  # type: ignore[assignment]
        command = ("BLMOVE", keys[0], self.inflight.key, "RIGHT", "LEFT", timeout or 0)
        self.client.connection.send_command(*command)

    def _brpop_read(self, **options: Any) -> bool:
        queue, self._moving_from = self._moving_from, None
        if queue is None:
            return bool(super()._brpop_read(**options))
        try:
            try:
                item = self.client.parse_response(self.client.connection, "BLMOVE", **options)
            except self.connection_errors:
                self.client.connection.disconnect()
                raise
            if item is None:
                raise Empty()
            self._queue_cycle.rotate(queue)
            self._moved = item
            try:
                self.connection._deliver(loads(bytes_to_str(item)), queue)
            finally:
                if self.take_moved() is not None:  # not taken into unacked: kombu put it back
                    with self.conn_or_acquire() as client:
                        client.lrem(self.inflight.key, 1, item)
            return True
        finally:
            self._in_poll = None  # type: ignore[assignment]
            flush = getattr(self, "_flush_brpop_reauth", None)
            if flush is not None:
                flush()

    def _put_back_waiting(self) -> None:
        with _waiting_lock:
            waiting = list(_waiting)
            _waiting.clear()
        if not waiting:
            return
        done = moved = 0
        try:
            with self.conn_or_acquire() as client:
                for put_back, _ in waiting:
                    moved += put_back(self, client)
                    done += 1
            log.warning("broker.redis_messages_put_back", messages=moved)
        except Exception as failure:  # noqa: BLE001 - not yet: the next channel tries again
            with _waiting_lock:
                _waiting[:0] = waiting[done:]
            log.warning("broker.redis_put_back_failed", error=type(failure).__name__)

    def close(self) -> None:
        if not self.closed:
            try:
                with self.conn_or_acquire() as client:
                    self.inflight.close(client)
            except Exception:  # noqa: BLE001 - Redis gone: the next channel puts them back
                key, queue_key = self.inflight.key, self.inflight.queue_key
                if queue_key is not None:
                    _later(lambda _channel, client: redis_inflight.put_back(client, key, queue_key))
        try:
            super().close()
        except AttributeError:
            log.warning("broker.redis_channel_closed_without_restore")


class Transport(redis.Transport):
    """kombu's Redis transport with :class:`Channel`."""

    Channel = Channel
