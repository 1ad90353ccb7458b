"""The sweeper's query: deliveries a crash or a lost message left behind."""

from __future__ import annotations

from sqlalchemy import or_, select, update

from muster.worker.core.paging.deliveries import DeliveryStatus
from muster.worker.deliveries.holder import taken_over
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery


def due_deliveries(rt: Runtime, limit: int = 500) -> list[int]:
    """Deliveries a crash or a lost message left behind: pending, or held by a worker that died
    (past their lease, or on PostgreSQL as soon as its holder's lock is gone).

    Each one found gets a fresh grace period, so the next sweep does not enqueue it again while
    its task is still on the way.
    """
    now = rt.clock.now()
    dialect = rt.database.engine.dialect.name
    with rt.database.transaction() as session:
        ids = list(
            session.scalars(
                select(Delivery.id)
                .where(
                    or_(
                        (Delivery.status == DeliveryStatus.PENDING)
                        & (Delivery.lease_until < now - rt.requeue_after),
                        (Delivery.status == DeliveryStatus.SENDING) & taken_over(dialect, now),
                    )
                )
                .order_by(Delivery.id)
                .limit(limit)
            )
        )
        if ids:
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.status == DeliveryStatus.PENDING)
                .values(lease_until=now)
                .execution_options(synchronize_session=False)
            )
    return ids
