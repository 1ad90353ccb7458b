"""The process's recorder: sends handed to the sending pool are recorded here as they finish.

A delivery task hands its sends over and returns (:func:`muster.worker.deliveries.send.hand_over`),
so nobody waits on them to record them. Each finished send is put on this queue by the sending
thread that ran it; one recorder thread records everything that finished meanwhile in one go
(the sent ones of a round share a transaction: group commit), releases their leases, and hands
each caller its follow-ups (fallbacks, notices) to queue. A send finished but not yet recorded
when the process dies is sent again once its lease lapses: the same bound as before, the sends
on the wire (claimed and unrecorded rows are ``sending`` in the database).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from queue import Empty, SimpleQueue

import structlog

from muster.channels.sender import SendResult
from muster.worker.deliveries.claim import Claimed
from muster.worker.deliveries.lease import keeper
from muster.worker.deliveries.per_runtime import PerRuntime
from muster.worker.deliveries.record import Attempt, Sent, record
from muster.worker.runtime import Runtime

log = structlog.get_logger("muster.delivery")

FollowUps = Callable[[tuple[int, ...]], None]
"""Where a caller's follow-up deliveries go once recorded (the worker queues them). Hashable and
equal for one caller (a function, or a frozen dataclass): finished sends are recorded together
per caller."""

IDLE_SECONDS = 5.0  # the recorder thread ends after this long with nothing to record

Finished = tuple[Claimed, FollowUps, "Future[Sent]"]


class Recorder:
    """Records the sends of one runtime as they finish, on a thread of its own."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._finished: SimpleQueue[Finished] = SimpleQueue()
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)
        self._unrecorded = 0  # put on the queue, not yet recorded
        self._thread: threading.Thread | None = None

    def finished(self, row: Claimed, follow_ups: FollowUps, sending: Future[Sent]) -> None:
        """A send is over (a done callback, on the thread that sent it): record it soon. With no
        sending threads it is recorded at once, on the caller's thread."""
        if self.rt.sending.threads == 0:
            self.record([(row, follow_ups, sending)])
            return
        with self._lock:
            self._unrecorded += 1
            self._finished.put((row, follow_ups, sending))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="muster-recorder", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                batch = [self._finished.get(timeout=IDLE_SECONDS)]
            except Empty:
                with self._lock:
                    if self._finished.empty():
                        self._thread = None
                        return
                continue
            while True:
                try:
                    batch.append(self._finished.get_nowait())
                except Empty:
                    break
            try:
                self.record(batch)
            finally:
                with self._recorded:
                    self._unrecorded -= len(batch)
                    self._recorded.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every finished send put here so far is recorded; False on ``timeout``."""
        with self._recorded:
            return self._recorded.wait_for(lambda: self._unrecorded == 0, timeout)

    def record(self, batch: list[Finished]) -> None:
        """Record finished sends, grouped by caller; release their leases; pass on follow-ups.

        A recording that fails (the database is down) is logged and its leases released: the
        rows stay ``sending`` until their leases lapse, and the sweeper sends them again.
        """
        routing = self.rt.config.current().routing
        by_caller: dict[FollowUps, list[tuple[Claimed, Sent]]] = {}
        for row, follow_ups, sending in batch:
            by_caller.setdefault(follow_ups, []).append((row, self._outcome(row, sending)))
        leases = keeper(self.rt)
        for follow_ups, finished in by_caller.items():
            try:
                found = record(self.rt, routing, finished)
            except Exception:
                log.exception("delivery.not_recorded", deliveries=len(finished))
                found = []
            finally:
                leases.release(row.id for row, _ in finished)
            if found:
                try:
                    follow_ups(tuple(found))
                except Exception:
                    log.exception("delivery.follow_ups_not_queued", deliveries=len(found))

    def _outcome(self, row: Claimed, sending: Future[Sent]) -> Sent:
        failure = sending.exception()
        if failure is None:
            return sending.result()
        row.logger().error("delivery.sender_crashed", error=type(failure).__name__)
        result = SendResult(ok=False, retryable=False, error=f"internal: {type(failure).__name__}")
        return [Attempt(self.rt.clock.now(), result)], result


recorder = PerRuntime(Recorder)
"""The recorder of a runtime (one per runtime: a worker process has one)."""


def drain(rt: Runtime, timeout: float) -> bool:
    """Let the sends handed over so far finish and be recorded, for up to ``timeout`` seconds
    (a worker shutting down: what is not recorded by then is sent again once its lease lapses).
    True if nothing was left."""
    deadline = time.monotonic() + timeout
    sent = rt.sending.wait_idle(timeout)
    return recorder(rt).flush(max(0.0, deadline - time.monotonic())) and sent
