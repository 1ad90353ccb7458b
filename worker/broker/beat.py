"""muster's beat: Celery's in-memory scheduler, counting what it sends, and saying in the database
it is alive.

A beat runs as ``muster beat`` (a process of its own) or inside ``muster worker --beat``; both
build their scheduler from ``beat_scheduler``, which names :class:`Scheduler`, so the scheduler
is the one hook both share. Its :meth:`Scheduler.tick` is the beat's pulse: Celery's loop
calls it, then sleeps the delay it returns, so a tick that does not come
back within that delay (and :data:`GRACE`) means the beat is stuck — blocked sending, or dead.
The database write itself is not made from ``tick`` (a slow database would then delay every
scan): the first tick starts a :class:`~muster.worker.observe.liveness.LivenessWriter` thread, which
writes the beat's row every few seconds *while the ticks are on time*. A lazy scheduler Celery
builds only to print its banner never ticks, so it never writes.

``muster worker --beat`` runs that beat on a thread of the worker's process
(:class:`ThreadedBeat`) rather than Celery's default of a forked child: one process then has one
metrics endpoint holding both the worker's and the beat's counters, and nothing forks a process
that already runs threads (the web intake's, the sending threads).
"""

from __future__ import annotations

import time
from typing import Any

from celery import beat, bootsteps

from muster.config.settings import Settings
from muster.worker.observe import metrics
from muster.worker.observe.liveness import SHUTDOWN_WAIT, LivenessWriter
from muster.worker.store.db import Database, database_url, make_engine
from muster.worker.store.processes import BEAT

GRACE = 10.0  # seconds a tick may come later than the scheduler asked before the beat is stuck


class Scheduler(beat.Scheduler):
    """Celery's in-memory scheduler (no schedule file: beat holds no state), which counts the
    tasks it sends and keeps the beat's liveness row while it ticks on time."""

    liveness: LivenessWriter | None = None
    due_again: float | None = None  # time.monotonic() by which the next tick should come

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """One pass of the scheduler; starts the liveness writer on the first."""
        delay: float = super().tick(*args, **kwargs)
        self.due_again = time.monotonic() + max(delay or 0.0, 0.0)
        if self.liveness is None:
            self.liveness = self.start_liveness()
        return delay

    def on_time(self) -> bool:
        """Whether the scheduler ticked, and has not missed its next tick by more than GRACE."""
        return self.due_again is not None and time.monotonic() <= self.due_again + GRACE

    def start_liveness(self) -> LivenessWriter:
        """The beat's liveness writer, on its own engine (a beat has no runtime to share)."""
        database = Database(make_engine(database_url(Settings())))
        return LivenessWriter(database, BEAT, alive=self.on_time).start()

    def apply_async(
        self, entry: Any, producer: Any = None, advance: bool = True, **kwargs: Any
    ) -> Any:
        """Send a due entry's task (Celery raises ``SchedulingError`` when it could not)."""
        result = super().apply_async(entry, producer=producer, advance=advance, **kwargs)
        metrics.beat_sent(str(entry.task))
        return result

    def close(self) -> None:
        """At the beat's end: its row goes, so it stops counting as alive at once."""
        if self.liveness is not None:
            self.liveness.stop(wait=SHUTDOWN_WAIT)
        super().close()


class ThreadedBeat(bootsteps.StartStopStep):
    """The beat of ``muster worker --beat``, on a thread of the worker's process (Celery's own
    embedded-beat thread, ``EmbeddedService(thread=True)``), started and stopped with it."""

    label = "muster beat"

    def create(self, w: Any) -> Any:
        """Celery's threaded embedded beat, with the configured scheduler."""
        return beat.EmbeddedService(
            w.app, thread=True, scheduler_cls=w.scheduler, schedule_filename=w.schedule_filename
        )
