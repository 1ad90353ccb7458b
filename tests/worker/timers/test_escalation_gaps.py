"""An escalation level with nobody on call adds no delay: when a chain's timer finds its next
level empty, the next staffed level is paged at that same instant — and ``muster route`` and
``muster config diff`` (the core's timeline) predict exactly the pages the worker's escalation
scan writes, step by step, gaps included."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings

from muster.worker.core.paging.plan import build_page_plan
from muster.worker.runtime import Runtime
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.core_incidents import SEV1
from tests.harness.gapped_chains import (
    EMPTY_MIDDLE,
    Chain,
    gapped_chains,
    gapped_demo,
    predicted,
    written,
)
from tests.harness.rotation_shapes import PROPERTY
from tests.harness.runtimes import BOTH_DATABASES, ONE_TRY, serve_config, stub_runtime
from tests.harness.servers import scratch_database
from tests.harness.timer_runs import declare_sev1, escalations, run_for

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES)

FIVE = timedelta(minutes=5)  # SEV1's ack_within in the demo


def test_an_empty_middle_level_pages_the_next_level_at_once(rt: Runtime) -> None:
    """Commanders, an empty rotation, then eng managers: at +5 min the empty level is noted as
    a gap and Laura (eng managers) is paged then, not at +10; the chain is then exhausted."""
    serve_config(rt, gapped_demo(EMPTY_MIDDLE))
    declare_sev1(rt)
    run_for(rt, EMPTY_MIDDLE.minutes)
    commander = [s for s in written(rt, "inc-1", WEDNESDAY_NOON) if s[1] == "incident_commander"]
    assert commander == [(FIVE, "incident_commander", None), (FIVE, "incident_commander", "laura")]
    assert [e for e in escalations(rt) if ":incident_commander:" in e[1]] == [
        ("laura", "escalation:incident_commander:2")
    ]


@settings(PROPERTY, max_examples=30)
@given(chain=gapped_chains())
def test_the_core_timeline_is_what_the_escalation_scan_writes(chain: Chain) -> None:
    """Over random chains with empty and partly covered levels and any repeat, the steps the
    core predicts at the declaration (by delay, role and person, gaps included) are exactly
    the pages and gaps the worker's scan writes minute by minute, nobody acknowledging."""
    with (
        tempfile.TemporaryDirectory() as folder,
        scratch_database("sqlite", Path(folder)) as url,
        stub_runtime(url, Path(folder), ONE_TRY) as rt,
    ):
        serve_config(rt, gapped_demo(chain))
        declare_sev1(rt)
        routing = rt.config.current().routing
        plan = build_page_plan(routing, SEV1, WEDNESDAY_NOON)  # as the worker's plan
        run_for(rt, chain.minutes)
        assert written(rt, "inc-1", WEDNESDAY_NOON) == predicted(routing, plan)
