"""Marking the embedded broker's messages consumed in batches, off the tasks' threads.

Every task the embedded broker delivered is marked consumed once it ran
(:func:`muster.worker.broker.recovery.mark_consumed`), so that start-up puts back only what never
finished. One transaction a task -- on SQLite a ``BEGIN IMMEDIATE``, the database's one write
lock -- was 7% of a worker's CPU in a storm (the slow-provider bench, issue 19), every delivery
task and fan-out queueing behind it for the lock. A task's mark goes on a queue instead, and one
thread writes whatever is waiting in one transaction (group commit, as the recorder does).

Nothing is weaker: tasks are idempotent, and a message that finished but was not marked yet when
the process died runs again at the next start, as it always could between a task's end and its
mark. A worker stopping writes what is waiting first (:func:`flush`).
"""

from __future__ import annotations

import threading
from queue import Empty, SimpleQueue

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from muster.worker.broker.recovery import mark_consumed
from muster.worker.deliveries.per_runtime import PerRuntime
from muster.worker.runtime import Runtime
from muster.worker.store.models import ConsumedMessage

log = structlog.get_logger("muster.embedded_broker")

IDLE_SECONDS = 5.0  # the marking thread ends after this long with nothing to mark


class ConsumedMarks:
    """The consumed-message marks of one runtime, written in batches on a thread of their own."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._waiting: SimpleQueue[str] = SimpleQueue()
        self._lock = threading.Lock()
        self._written = threading.Condition(self._lock)
        self._unwritten = 0
        self._thread: threading.Thread | None = None

    def add(self, message_id: str) -> None:
        """Mark ``message_id`` consumed soon."""
        with self._lock:
            self._unwritten += 1
            self._waiting.put(message_id)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="muster-consumed", daemon=True
                )
                self._thread.start()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every mark added so far is written; False on ``timeout``."""
        with self._written:
            return self._written.wait_for(lambda: self._unwritten == 0, timeout)

    def _run(self) -> None:
        while True:
            try:
                batch = [self._waiting.get(timeout=IDLE_SECONDS)]
            except Empty:
                with self._lock:
                    if self._waiting.empty():
                        self._thread = None
                        return
                continue
            while True:
                try:
                    batch.append(self._waiting.get_nowait())
                except Empty:
                    break
            try:
                self.write(batch)
            except Exception:  # a mark must not end the thread: the messages would run again
                log.exception("embedded_broker.not_marked", messages=len(batch))
            finally:
                with self._written:
                    self._unwritten -= len(batch)
                    self._written.notify_all()

    def write(self, message_ids: list[str]) -> None:
        """Mark these consumed in one transaction (those not marked yet: a handler may have
        marked its own message in its transaction). A failure is logged: the messages would run
        again at the next start, harmlessly."""
        ids = list(dict.fromkeys(message_ids))
        try:
            with self.rt.database.transaction() as session:
                known = set(
                    session.scalars(
                        select(ConsumedMessage.message_id).where(
                            ConsumedMessage.message_id.in_(ids)
                        )
                    )
                )
                now = self.rt.clock.now()
                session.add_all(
                    ConsumedMessage(message_id=message_id, at=now)
                    for message_id in ids
                    if message_id not in known
                )
        except IntegrityError:  # one was marked by its handler meanwhile: one at a time, then
            for message_id in ids:
                mark_consumed(self.rt, message_id)
        except SQLAlchemyError as failure:
            log.warning(
                "embedded_broker.not_marked", messages=len(ids), error=type(failure).__name__
            )


marks = PerRuntime(ConsumedMarks)
"""The consumed-message marks of a runtime (one per runtime: a worker process has one)."""


def flush(rt: Runtime, timeout: float) -> bool:
    """Write the marks waiting, for up to ``timeout`` seconds (a worker stopping)."""
    return marks(rt).flush(timeout)
