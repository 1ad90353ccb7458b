"""Holders on PostgreSQL: a delivery claimed by a worker that died is taken over at once, its
lease notwithstanding, and never while the worker lives; without its lock a claim leaves the
lease to decide. On SQLite no holder is recorded: the lease alone decides (test_lease.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from muster.channels.retry import RetryPolicy
from muster.worker.deliveries.claim import claim
from muster.worker.deliveries.holder import holder
from muster.worker.deliveries.sweep import due_deliveries
from muster.worker.incidents.declared import handle_declared
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery
from tests.harness.runtimes import stub_runtime
from tests.harness.servers import postgres_database

pytestmark = pytest.mark.integration

PAYLOAD = {
    "incident_id": "inc-holder",
    "title": "Search slow",
    "impact": "internal",
    "urgency": "low",
    "services": ["search"],
}
RETRY = RetryPolicy(attempts=1, initial_wait=0.01, max_wait=0.01, total=1)


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    with postgres_database() as url, stub_runtime(url, tmp_path, RETRY) as runtime:
        yield runtime
        holder(runtime).close()


@pytest.fixture
def other(rt: Runtime) -> Iterator[Runtime]:
    """A second worker process on the same database and clock: a lock of its own."""
    runtime = replace(rt)
    yield runtime
    holder(runtime).close()


def one_delivery(rt: Runtime) -> int:
    outcome = handle_declared(rt, parse("muster.incident.declared", PAYLOAD), "m-holder")
    return outcome.deliveries[0]


def takes(rt: Runtime, delivery_id: int) -> bool:
    with rt.database.transaction() as session:
        return bool(claim(session, rt, [delivery_id], rt.clock.now()))


def recorded_holder(rt: Runtime, delivery_id: int) -> int | None:
    with rt.database.transaction() as session:
        return session.scalar(select(Delivery.holder).where(Delivery.id == delivery_id))


def test_a_delivery_whose_worker_died_is_taken_at_once_and_not_before(
    rt: Runtime, other: Runtime
) -> None:
    """Within its lease the delivery stays with its live worker; once that worker's lock is
    gone (its process killed: PostgreSQL ends the session), another takes it at the same
    instant, long before the lease would have run out."""
    delivery = one_delivery(rt)
    assert takes(rt, delivery)
    assert recorded_holder(rt, delivery) == holder(rt).key is not None
    assert not takes(other, delivery)
    holder(rt).close()  # as the kernel does to a killed process's connection
    assert takes(other, delivery)
    assert recorded_holder(rt, delivery) == holder(other).key


def test_the_sweeper_hands_on_a_dead_worker_s_deliveries_at_once(
    rt: Runtime, other: Runtime
) -> None:
    delivery = one_delivery(rt)
    assert takes(rt, delivery)
    assert delivery not in due_deliveries(other)
    holder(rt).close()
    assert delivery in due_deliveries(other)


def test_a_claim_made_without_its_lock_records_no_holder_and_the_lease_decides(
    rt: Runtime, other: Runtime
) -> None:
    """The lock's connection cut (a database restart, a proxy's timeout) while the worker lives:
    its claims record no holder, so its sends are not taken from it before their lease runs
    out; the lease keeper's check then takes a new lock."""
    delivery = one_delivery(rt)
    lost = holder(rt).current()
    with rt.database.engine.begin() as connection:
        pids = connection.scalars(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = :key "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"key": lost},
        ).all()
        assert len(pids) == 1
        connection.scalar(select(func.pg_terminate_backend(pids[0])))
    assert takes(rt, delivery)
    assert recorded_holder(rt, delivery) is None
    assert not takes(other, delivery)
    holder(rt).check()
    assert holder(rt).current() not in (None, lost)


def test_sqlite_records_no_holder(tmp_path: Path) -> None:
    with stub_runtime(f"sqlite:///{tmp_path / 'muster.db'}", tmp_path, RETRY) as runtime:
        delivery = one_delivery(runtime)
        assert takes(runtime, delivery)
        assert recorded_holder(runtime, delivery) is None
        assert holder(runtime).current() is None
