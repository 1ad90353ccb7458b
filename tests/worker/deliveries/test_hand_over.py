"""Handing sends over: a delivery task claims its batch, gives it to the sending pool and returns;
the process's recorder records each send as it finishes and passes on its follow-ups."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from muster.channels.retry import RetryPolicy
from muster.channels.sender import SendResult
from muster.channels.sending_pool import SendingPool
from muster.worker.deliveries.recorder import drain
from muster.worker.deliveries.send import hand_over_batch
from muster.worker.incidents.declared import handle_declared
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery
from tests.harness.runtimes import RecordingSender, stub_runtime
from tests.harness.waiting import wait_until

PAYLOAD = {"incident_id": "inc-7", "title": "Search slow", "impact": "critical", "urgency": "high"}
PAYLOAD["services"] = ["search"]


@pytest.fixture(params=[0, 4], ids=["inline", "threads"])
def rt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    retry = RetryPolicy(attempts=1)
    with stub_runtime(f"sqlite:///{tmp_path / 'muster.db'}", tmp_path, retry) as runtime:
        runtime.sending = SendingPool(threads=request.param, per_lane=2)
        try:
            yield runtime
        finally:
            runtime.sending.shutdown()


def statuses(rt: Runtime) -> dict[int, str]:
    with rt.database.transaction() as session:
        return {row.id: row.status for row in session.scalars(select(Delivery))}


def test_every_handed_over_send_is_recorded_and_a_failure_passes_on_its_fallback(
    rt: Runtime,
) -> None:
    """A declaration's deliveries handed over in one batch: all recorded ``sent`` but the SMS
    to Bob that failed for good, recorded ``failed``, whose fallback row reaches the caller."""
    sender = rt.sender
    assert isinstance(sender, RecordingSender)
    sender.script["outbox://sms/+353850000002"] = [
        SendResult(ok=False, retryable=False, error="http-400: no")
    ]
    sev2 = PAYLOAD | {
        "urgency": "low",
        "services": ["payments-api"],
    }  # paged by sms and chat: the fallback, email, is new
    outcome = handle_declared(rt, parse("muster.incident.declared", sev2), "m-1")
    follow_ups: list[int] = []
    hand_over_batch(rt, outcome.deliveries, follow_ups.extend)

    def recorded() -> bool:
        found = statuses(rt)
        return all(found[i] in {"sent", "failed"} for i in outcome.deliveries)

    wait_until(recorded, timeout=10)
    wait_until(lambda: follow_ups, timeout=10)
    found = statuses(rt)
    assert sorted(found[i] for i in outcome.deliveries).count("failed") == 1
    assert [found[i] for i in follow_ups] == ["pending"]  # the fallback, for the caller to queue


def test_a_batch_handed_over_twice_is_sent_once(rt: Runtime) -> None:
    outcome = handle_declared(rt, parse("muster.incident.declared", PAYLOAD), "m-1")
    hand_over_batch(rt, outcome.deliveries, lambda _: None)
    hand_over_batch(rt, outcome.deliveries, lambda _: None)  # a redelivered task claims nothing
    wait_until(lambda: set(statuses(rt).values()) == {"sent"}, timeout=10)
    sender = rt.sender
    assert isinstance(sender, RecordingSender)
    assert len(sender.sent) == len(outcome.deliveries)


def test_draining_waits_for_the_sends_handed_over_to_be_recorded(rt: Runtime) -> None:
    """A stopping worker drains: once it returns, everything handed over is recorded."""
    outcome = handle_declared(rt, parse("muster.incident.declared", PAYLOAD), "m-1")
    hand_over_batch(rt, outcome.deliveries, lambda _: None)
    assert drain(rt, timeout=10) is True
    assert set(statuses(rt).values()) == {"sent"}
