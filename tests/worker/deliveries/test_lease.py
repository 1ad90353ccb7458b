"""Leases of seconds, renewed while a send runs: a slow send keeps its page, a stuck one lets it
go, and a recorded one stops being renewed."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from muster.channels.retry import RetryPolicy
from muster.channels.sender import SendResult
from muster.worker.clock import ManualClock
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.deliveries import lease
from muster.worker.deliveries.send import run_batch
from muster.worker.incidents.declared import handle_declared
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery
from tests.harness.runtimes import BOTH_DATABASES, RecordingSender

LEASE = timedelta(seconds=0.3)  # renewed every 0.1 s of real time


# On SQLite the lease alone frees a dead worker's sends; on PostgreSQL its holder's lock too.
pytestmark = pytest.mark.runtime(
    databases=BOTH_DATABASES,
    retry=RetryPolicy(attempts=1, initial_wait=0.01, max_wait=0.01, total=1),
    lease=LEASE,
)
PAYLOAD = {
    "incident_id": "inc-lease",
    "title": "Search slow",
    "impact": "internal",
    "urgency": "low",
    "services": ["search"],
}


class BlockingSender(RecordingSender):
    """Holds every send until released: a gateway taking its time."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, url: str, message: RenderedMessage) -> SendResult:
        self.entered.set()
        self.release.wait(timeout=10)
        return super().__call__(url, message)


def one_delivery(rt: Runtime) -> int:
    outcome = handle_declared(rt, parse("muster.incident.declared", PAYLOAD), "m-lease")
    pages = [d for d in outcome.deliveries if _row(rt, d).purpose == "page"]
    assert len(pages) == 1  # ken, by chat
    return pages[0]


def _row(rt: Runtime, delivery_id: int) -> Delivery:
    with rt.database.transaction() as session:
        return session.get_one(Delivery, delivery_id)


def another_worker(rt: Runtime) -> Runtime:
    """A second worker on the same database and clock, with a sender of its own."""
    return replace(rt, sender=RecordingSender())


def sending_in_background(rt: Runtime, delivery_id: int) -> threading.Thread:
    thread = threading.Thread(target=run_batch, args=(rt, [delivery_id]))
    thread.start()
    assert isinstance(rt.sender, BlockingSender)
    assert rt.sender.entered.wait(timeout=5)
    return thread


def test_a_send_slower_than_its_lease_keeps_its_page(rt: Runtime) -> None:
    """Long after the first lease would have run out, another worker still cannot take the
    page: the sending worker renews it. Sent once."""
    rt.sender = BlockingSender()
    delivery = one_delivery(rt)
    thread = sending_in_background(rt, delivery)
    assert isinstance(rt.clock, ManualClock)
    for _ in range(5):
        rt.clock.advance(timedelta(seconds=1))  # three leases on, each time
        time.sleep(0.25)  # a renewal or two
        other = another_worker(rt)
        assert run_batch(other, [delivery]) == ()
        assert isinstance(other.sender, RecordingSender)
        assert other.sender.sent == []
    rt.sender.release.set()
    thread.join(timeout=5)
    assert _row(rt, delivery).status == "sent"
    assert lease.keeper(rt).held() == []


def test_a_stuck_send_stops_being_renewed_and_another_worker_takes_the_page(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its retry budget (and the grace, none here) a send counts as stuck: its lease lapses
    and the page goes out from another worker. A duplicate, maybe; never a lost page."""
    monkeypatch.setattr(lease, "GRACE_SECONDS", 0.0)
    rt.sender = BlockingSender()
    delivery = one_delivery(rt)
    thread = sending_in_background(rt, delivery)
    time.sleep(1.5)  # the retry budget (1 s) is over: no more renewals
    assert isinstance(rt.clock, ManualClock)
    rt.clock.advance(timedelta(seconds=1))
    other = another_worker(rt)
    run_batch(other, [delivery])
    assert isinstance(other.sender, RecordingSender)
    assert len(other.sender.sent) == 1
    rt.sender.release.set()
    thread.join(timeout=5)


def test_the_renewal_is_one_statement_for_every_delivery_held(rt: Runtime) -> None:
    """Renewing touches only deliveries still being sent."""
    delivery = one_delivery(rt)
    keeper = lease.keeper(rt)
    with rt.database.transaction() as session:
        row = session.get_one(Delivery, delivery)
        row.status, row.lease_until = "sent", None
    keeper.renew([delivery])
    with rt.database.transaction() as session:
        assert session.scalar(select(Delivery.lease_until).where(Delivery.id == delivery)) is None
