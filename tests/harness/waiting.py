"""Waiting for what real processes do: a condition polled, or every delivery settled."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident


def deliveries_settled(database: Database) -> bool:
    """Every declaration's fan-out is written and every delivery finished (sent or failed, or
    held for a digest: nothing to send until its window closes)."""
    with database.transaction() as session:
        statuses = list(session.scalars(select(Delivery.status)))
        fanning_out = session.scalar(select(Incident.id).where(Incident.fanned_out.is_(False)))
    return (
        bool(statuses)
        and fanning_out is None
        and all(status in {"sent", "failed", "held", "digested"} for status in statuses)
    )


def wait_until(condition: Callable[[], Any], timeout: float = 20.0, every: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something truthy; fail with a clear message if not."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(every)
