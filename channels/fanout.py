"""Sending a batch of messages at once, so one slow or dead channel does not hold up the others.

A worker process keeps one pool of sending threads. A batch of deliveries is handed to it whole;
results come back as they finish, with whatever else finished at the same moment, so each send
is recorded at once (a crash then repeats only the sends on the wire, not ones already done);
a channel that is retrying does not delay recording the pages that already went out. A linger
can group sends that finish close together, trading that bound for fewer transactions.

With no threads the jobs run one after the other in the caller's thread: deterministic, for
tests and the dry paths that need no concurrency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")

DEFAULT_LINGER = 0.0  # record each send as soon as it finishes (with any done at that moment)


class FanOut:
    """A process's sending threads: run a batch's jobs concurrently, yield results in groups."""

    def __init__(self, threads: int = 0, linger: float = DEFAULT_LINGER) -> None:
        self.threads = threads
        self.linger = linger
        self._pool = (
            ThreadPoolExecutor(max_workers=threads, thread_name_prefix="muster-send")
            if threads > 0
            else None
        )

    def run(self, jobs: Sequence[Callable[[], T]]) -> Iterator[list[tuple[int, T]]]:
        """Run every job; yield ``(index, result)`` groups as they finish (each index once).

        A job must not raise (senders turn failures into results); if one does, the exception
        comes out of this iterator once the group holding it is reached.
        """
        if self._pool is None or len(jobs) <= 1:
            for index, job in enumerate(jobs):
                yield [(index, job())]
            return
        futures: dict[Future[T], int] = {self._pool.submit(job): i for i, job in enumerate(jobs)}
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
