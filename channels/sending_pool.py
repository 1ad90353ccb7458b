"""A worker process's one sending pool: many sends at once, bounded, one provider never
starving another.

Real providers answer in 100 ms to a few seconds, so a worker's pace is how many sends it keeps
on the wire, not its CPU. Every send of the process -- a declaration's first page, a delivery
batch, a fallback -- goes to this pool, whose bounds are settings, not accidents of Celery's
concurrency:

* ``threads`` (``MUSTER_SEND_THREADS``): sends on the wire at once in the process. Threads are
  started as sends need them and each waits on its socket, so the CPU they cost is the sends'
  own; a thread's memory is its stack's touched pages (tens of kB).
* ``per_lane`` (``MUSTER_SEND_PER_PROVIDER``): sends on the wire at once to one *lane* -- a
  provider, the scheme and host a URL sends to. A provider answering slowly holds at most this
  many threads; its further sends wait in its lane (not on a thread), so the others always have
  ``threads - per_lane`` threads left and keep their own latency.
* ``queue_limit`` (``MUSTER_SEND_QUEUE``): sends handed over and not yet finished (on the wire
  or waiting in their lane). :meth:`make_room` makes whoever hands sends over wait for room, so
  a storm waits in the broker and the database rather than in this process's memory.

A send's future is finished from the thread that ran it, so a done callback (the recorder)
learns at once. With no threads every job runs in the caller's thread when submitted:
deterministic, for tests and the dry paths that need no concurrency.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_LINGER = 0.0  # record each send as soon as it finishes (with any done at that moment)

Job = tuple[Future[Any], Callable[[], Any]]


@dataclass
class _Lane:
    """One provider's sends: how many are on a thread, and those waiting for their turn."""

    running: int = 0
    waiting: deque[Job] = field(default_factory=deque)


class SendingPool:
    """A process's sending threads, shared by every send, with a bound per lane (provider)."""

    def __init__(
        self,
        threads: int = 0,
        per_lane: int | None = None,
        queue_limit: int | None = None,
        linger: float = DEFAULT_LINGER,
    ) -> None:
        self.threads = threads
        self.per_lane = max(1, min(per_lane or threads, threads)) if threads else 0
        self.queue_limit = queue_limit
        self.linger = linger
        self._pool = (
            ThreadPoolExecutor(max_workers=threads, thread_name_prefix="muster-send")
            if threads > 0
            else None
        )
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)
        self._lanes: dict[str, _Lane] = {}
        self._outstanding = 0
        self.busiest = 0  # the most sends on the wire at once so far (for the benches)
        self._on_wire = 0

    @property
    def outstanding(self) -> int:
        """Sends handed over and not finished (on the wire or waiting in their lane)."""
        with self._lock:
            return self._outstanding

    def make_room(self, count: int, timeout: float | None = None) -> bool:
        """Wait until ``count`` more sends fit under ``queue_limit`` (a batch larger than the
        whole limit waits for an empty pool); False if ``timeout`` ran out first."""
        if self.queue_limit is None or self._pool is None:
            return True
        limit = self.queue_limit
        with self._room:
            return self._room.wait_for(
                lambda: self._outstanding == 0 or self._outstanding + count <= limit, timeout
            )

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every send handed over so far has finished; False if ``timeout`` ran out
        first (a worker shutting down lets what is on the wire land)."""
        with self._room:
            return self._room.wait_for(lambda: self._outstanding == 0, timeout)

    def submit(self, lane: str, job: Callable[[], T]) -> Future[T]:
        """Run ``job`` once its lane has room; its future finishes from the sending thread."""
        future: Future[T] = Future()
        if self._pool is None:
            _run(future, job)
            return future
        with self._lock:
            self._outstanding += 1
            state = self._lanes.setdefault(lane, _Lane())
            start = state.running < self.per_lane
            if start:
                state.running += 1
            else:
                state.waiting.append((future, job))
        if start:
            self._pool.submit(self._lane_turns, lane, future, job)
        return future

    def _lane_turns(self, lane: str, future: Future[Any], job: Callable[[], Any]) -> None:
        """Run a job, then the lane's next waiting one on the same thread, until none waits."""
        turn: Job | None = (future, job)
        while turn is not None:
            with self._lock:
                self._on_wire += 1
                self.busiest = max(self.busiest, self._on_wire)
            _run(*turn)
            with self._room:
                self._on_wire -= 1
                self._outstanding -= 1
                self._room.notify_all()
                state = self._lanes[lane]
                turn = state.waiting.popleft() if state.waiting else None
                if turn is None:
                    state.running -= 1
                    if state.running == 0:
                        del self._lanes[lane]

    def run(
        self, jobs: Sequence[Callable[[], T]], lanes: Sequence[str] | None = None
    ) -> Iterator[list[tuple[int, T]]]:
        """Run every job (job ``i`` in lane ``lanes[i]``); yield ``(index, result)`` groups as
        they finish, each index once, with whatever finished within ``linger`` of the first.

        A job must not raise (senders turn failures into results); if one does, the exception
        comes out of this iterator once the group holding it is reached.
        """
        if self._pool is None or len(jobs) <= 1:
            for index, job in enumerate(jobs):
                yield [(index, job())]
            return
        lane_of = lanes or [""] * len(jobs)
        futures = {self.submit(lane_of[i], job): i for i, job in enumerate(jobs)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            if pending:  # what finishes soon after goes in the same group
                more, pending = wait(pending, timeout=self.linger)
                done |= more
            yield sorted(((futures[f], f.result()) for f in done), key=lambda pair: pair[0])

    def shutdown(self) -> None:
        """Stop the threads once the jobs handed over so far are done."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def _run(future: Future[T], job: Callable[[], T]) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = job()
    except BaseException as failure:  # noqa: BLE001 - handed to whoever waits on the future
        future.set_exception(failure)
    else:
        future.set_result(result)
