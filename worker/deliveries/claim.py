"""Claiming deliveries: a batch taken for this worker with a lease, in one conditional UPDATE.

Two workers holding the same task cannot both send a delivery: only rows still pending, or held
by a worker that died (past their lease, or on PostgreSQL at once: :mod:`muster.worker.
deliveries.holder`), are taken.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import Update, bindparam, or_, update
from sqlalchemy.orm import Session

from muster.worker.core.paging.deliveries import DeliveryStatus
from muster.worker.deliveries.holder import claimed_by, holder, taken_over
from muster.worker.runtime import Runtime
from muster.worker.store.models import DELIVERIES

log = structlog.get_logger("muster.delivery")


@dataclass(frozen=True, slots=True)
class Claimed:
    """What sending a claimed delivery needs, read by the claim itself."""

    id: int
    incident_id: str | None  # None: a shift notice or a test page
    purpose: str
    reason: str
    kind: str
    person: str | None
    title: str
    body: str
    body_format: str
    attempts: int

    def logger(self) -> structlog.stdlib.BoundLogger:
        """The delivery logger bound to this delivery (no address: people by their key)."""
        bound: structlog.stdlib.BoundLogger = log.bind(
            incident_id=self.incident_id,
            delivery_id=self.id,
            purpose=self.purpose,
            kind=self.kind,
            person=self.person,
        )
        return bound


_CLAIMED_COLUMNS = tuple(DELIVERIES.c[name] for name in Claimed.__slots__)


def claim(
    session: Session, rt: Runtime, delivery_ids: Sequence[int], now: datetime
) -> list[Claimed]:
    """Take the deliveries for this worker for ``rt.lease``, except those a live worker holds
    (one whose lease runs, or on PostgreSQL whose holder's lock is held)."""
    dialect = session.get_bind().dialect.name
    key = holder(rt).current()
    rows = session.execute(
        _claiming(dialect, holding=key is not None),
        {
            "claimed_ids": list(delivery_ids),
            "claimed_at": now,
            "claimed_until": now + rt.lease,
            "claimed_by": key,
        },
    )
    claimed = [Claimed(*row) for row in rows]
    order = {delivery_id: index for index, delivery_id in enumerate(delivery_ids)}
    claimed.sort(key=lambda row: order.get(row.id, 0))
    return claimed


@functools.cache
def _claiming(dialect: str, holding: bool) -> Update:
    """The claim's statement, built once per dialect and run with its values bound: building
    it, the holder's lock subquery and all, cost more CPU than running it (0.45 ms a claim, a
    few claims an incident). The bound names are no column's: an UPDATE would set a column
    from a parameter of its name."""
    now = bindparam("claimed_at", type_=DELIVERIES.c.lease_until.type)
    return (
        update(DELIVERIES)
        .where(
            DELIVERIES.c.id.in_(bindparam("claimed_ids", expanding=True)),
            or_(
                DELIVERIES.c.status == DeliveryStatus.PENDING,
                (DELIVERIES.c.status == DeliveryStatus.SENDING) & taken_over(dialect, now),
            ),
        )
        .values(
            status=DeliveryStatus.SENDING,
            lease_until=bindparam("claimed_until", type_=DELIVERIES.c.lease_until.type),
            holder=claimed_by(
                dialect,
                bindparam("claimed_by", type_=DELIVERIES.c.holder.type) if holding else None,
            ),
        )
        .returning(*_CLAIMED_COLUMNS)
    )
