"""Leases of seconds, renewed while a send runs: a dead worker's pages go out again within
seconds, a live worker's slow send is never taken from it.

A claimed delivery is held until ``lease_until``. A short lease alone would let another worker
take a delivery whose send is merely slow (a gateway answering in 20 s, retries backing off);
a long one leaves a killed worker's pages waiting minutes. So the lease is short
(``MUSTER_LEASE_SECONDS``, 3 s) and each worker process renews the leases of what it is still
sending, in one statement every third of a lease (and checks that it still holds its advisory
lock, :mod:`muster.worker.deliveries.holder`, which on PostgreSQL frees a dead worker's pages
sooner still). A send stuck past its whole retry budget stops being renewed: its lease then runs
out and the sweeper hands it on — a possible duplicate, never a lost page.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

import structlog
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from muster.worker.core.paging.deliveries import DeliveryStatus
from muster.worker.deliveries.holder import holder
from muster.worker.deliveries.per_runtime import PerRuntime
from muster.worker.runtime import Runtime
from muster.worker.store.models import DELIVERIES

log = structlog.get_logger("muster.delivery")

GRACE_SECONDS = 60.0  # beyond the retry budget, before a send counts as stuck


class LeaseKeeper:
    """Renews the leases of the deliveries this process is sending, while it sends them."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._held: dict[int, float] = {}  # delivery id -> monotonic time to stop renewing
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def hold(self, delivery_ids: Iterable[int]) -> None:
        """Keep renewing these deliveries' leases until released (or stuck)."""
        stop = time.monotonic() + self.rt.retry.total + GRACE_SECONDS
        with self._lock:
            self._held.update(dict.fromkeys(delivery_ids, stop))
            if self._held and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="muster-leases", daemon=True)
                self._thread.start()

    def release(self, delivery_ids: Iterable[int]) -> None:
        """These deliveries are recorded: their leases no longer matter."""
        with self._lock:
            for delivery_id in delivery_ids:
                self._held.pop(delivery_id, None)

    def held(self) -> list[int]:
        """The deliveries being renewed now."""
        with self._lock:
            return sorted(self._held)

    def _run(self) -> None:
        every = max(self.rt.lease.total_seconds() / 3, 0.05)
        while True:
            time.sleep(every)
            with self._lock:
                now = time.monotonic()
                stuck = [d for d, stop in self._held.items() if stop <= now]
                for delivery_id in stuck:
                    del self._held[delivery_id]
                ids = list(self._held)
                if not ids:
                    self._thread = None
                    break
            if stuck:
                log.error("delivery.lease_abandoned", deliveries=stuck)
            self.renew(ids)
            holder(self.rt).check()

    def renew(self, delivery_ids: list[int]) -> None:
        """Extend the leases of ``delivery_ids`` still being sent, in one statement."""
        until = self.rt.clock.now() + self.rt.lease
        try:
            with self.rt.database.transaction() as session:
                session.execute(
                    update(DELIVERIES)
                    .where(
                        DELIVERIES.c.id.in_(delivery_ids),
                        DELIVERIES.c.status == DeliveryStatus.SENDING,
                    )
                    .values(lease_until=until)
                )
        except SQLAlchemyError as failure:  # the next round tries again; a lapse is a duplicate
            log.warning("delivery.lease_not_renewed", error=type(failure).__name__)


keeper = PerRuntime(LeaseKeeper)
"""The lease keeper of a runtime (one per runtime: a worker process has one)."""
