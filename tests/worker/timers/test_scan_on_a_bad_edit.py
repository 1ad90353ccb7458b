"""The timer scan after a bad config edit: escalations and summaries go on with the last good
config, and each summary says the file is rejected (the issue's impossible date crashed it)."""

from __future__ import annotations

import pytest

from muster.worker.runtime import Runtime
from tests.harness.runtimes import TWO_TRIES
from tests.harness.timer_runs import declare_sev1, escalations, run_for, summaries

pytestmark = pytest.mark.runtime(retry=TWO_TRIES)


def break_the_file(rt: Runtime) -> None:
    text = rt.config.path.read_text()
    assert "start: 2026-01-05" in text
    rt.config.path.write_text(text.replace("start: 2026-01-05", "start: 2026-13-45", 1))


def test_escalation_goes_on_after_an_impossible_date_edit(rt: Runtime) -> None:
    """SEV1 unacknowledged at +5 min escalates, though the file was broken at +1 min."""
    declare_sev1(rt)
    run_for(rt, 1)
    break_the_file(rt)
    run_for(rt, 5)
    assert escalations(rt)
    assert rt.config.last_error is not None


def test_each_summary_says_the_file_is_rejected(rt: Runtime) -> None:
    """The +15 min summary carries the Config line naming the rejected file."""
    declare_sev1(rt)
    break_the_file(rt)
    run_for(rt, 15)
    body = summaries(rt)[0].body
    assert (
        "Config: the config file routing.yaml is rejected (muster config check says why):" in body
    )
    assert "paging with the last good config" in body
