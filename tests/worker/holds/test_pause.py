"""Incidents that paged before a window: ``existing: keep`` (the default) keeps their
escalations; ``existing: pause`` pauses them while the window holds them and resumes them
after it with the time they had left; an acknowledgement or a resolution meanwhile stops them."""

from __future__ import annotations

from typing import Any

import pytest

from muster.worker.incidents.acknowledged import handle_acknowledged
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import Acknowledged, Resolved
from muster.worker.runtime import Runtime
from tests.harness.holding import entries, held_rows, hold, timers_of
from tests.harness.runtimes import BOTH_DATABASES
from tests.harness.timer_runs import declare_sev1, escalations, run_for

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES)

# Checkout failing (a SEV1 on payments-api, escalating 5 minutes after noon) is declared at
# noon; this window on payments-api runs from 12:01 to 12:31.
FAILOVER: dict[str, Any] = {
    "reason": "PostgreSQL failover",
    "scope": {"services": ["payments-api"]},
    "start": "2026-11-25T12:01",
    "end": "2026-11-25T12:31",
}


def paged_then_window(rt: Runtime, existing: str) -> None:
    declare_sev1(rt)
    hold(rt, failover={**FAILOVER, "existing": existing})


def test_keep_escalates_inside_the_window(rt: Runtime) -> None:
    paged_then_window(rt, "keep")
    run_for(rt, 5)
    assert escalations(rt)
    assert held_rows(rt) == []


def test_pause_escalates_nothing_while_the_window_holds_it(rt: Runtime) -> None:
    paged_then_window(rt, "pause")
    run_for(rt, 30)
    assert escalations(rt) == []
    assert {
        state for key, (state, _) in timers_of(rt, "inc-1").items() if ":escalation:" in key
    } == {"paused"}
    [paused] = entries(rt, "inc-1", "escalation_paused")
    assert paused.text == "escalations paused by window failover: PostgreSQL failover"


def test_pause_resumes_with_the_time_each_timer_had_left(rt: Runtime) -> None:
    """Paused at 12:01 with four minutes left: released at 12:31, it escalates at 12:35."""
    paged_then_window(rt, "pause")
    run_for(rt, 34)
    assert escalations(rt) == []
    run_for(rt, 1)
    assert escalations(rt)
    assert [row.outcome for row in held_rows(rt)] == ["resumed"]


def test_an_acknowledgement_while_paused_stops_the_chain_for_good(rt: Runtime) -> None:
    paged_then_window(rt, "pause")
    run_for(rt, 10)
    for person in ("alice", "bob", "carol", "dmitri", "erin", "frank", "grace", "heidi", "ivan"):
        ack = Acknowledged(incident_id="inc-1", person=person)
        handle_acknowledged(rt, ack, f"m-ack-{person}")
    run_for(rt, 40)
    assert escalations(rt) == []


def test_a_resolution_while_paused_stops_everything(rt: Runtime) -> None:
    paged_then_window(rt, "pause")
    run_for(rt, 10)
    handle_resolved(rt, Resolved(incident_id="inc-1"), "m-r")
    run_for(rt, 40)
    assert escalations(rt) == []
    assert [row.outcome for row in held_rows(rt)] == ["resolved"]
