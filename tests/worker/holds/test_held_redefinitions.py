"""A held declaration redefined: it pages nobody and arms nothing while a window still covers
it; made worse beyond the window's scope, the next scan releases it and it pages."""

from __future__ import annotations

from typing import Any

import pytest

from muster.worker.incidents.milestone import handle_milestone
from muster.worker.messages import Milestone, parse
from muster.worker.runtime import Runtime
from tests.harness.declarations import declare
from tests.harness.holding import SEARCH_SEV2, SEARCH_WINDOW, hold, paged, timers_of
from tests.harness.timer_runs import run_for

pytestmark = pytest.mark.runtime()

WORSE: dict[str, Any] = {
    "incident_id": "inc-s1",
    "kind": "redefinition",
    "text": "Search down for everyone",
    "impact": "critical",
    "urgency": "high",
    "services": ["search"],
}


def redefine_worse(rt: Runtime) -> None:
    message = parse("muster.incident.milestone", WORSE)
    assert isinstance(message, Milestone)
    handle_milestone(rt, message, "m-worse")


def test_a_redefinition_inside_the_windows_scope_pages_nobody(rt: Runtime) -> None:
    hold(rt, **{"search-reindex": SEARCH_WINDOW})
    declare(rt, base=SEARCH_SEV2)
    redefine_worse(rt)
    run_for(rt, 5)
    assert paged(rt, "inc-s1") == {}
    assert timers_of(rt, "inc-s1") == {}


def test_made_worse_beyond_the_windows_severities_it_pages_at_the_next_scan(
    rt: Runtime,
) -> None:
    hold(rt, **{"quiet": {**SEARCH_WINDOW, "scope": {"severities": ["SEV2", "SEV3"]}}})
    declare(rt, base=SEARCH_SEV2)
    redefine_worse(rt)
    assert paged(rt, "inc-s1") == {}
    run_for(rt, 1)
    assert paged(rt, "inc-s1")
