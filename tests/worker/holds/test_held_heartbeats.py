"""Heartbeat monitors obey windows: a miss inside a window of the monitor's service is recorded
and pages nobody; still missing at the window's end, it pages then, like any held incident; a
heartbeat back before the end resolves it and nobody is paged."""

from __future__ import annotations

from typing import Any

import pytest

from muster.worker.core.decisions.heartbeats import incident_id
from muster.worker.heartbeats.received import handle_heartbeat
from muster.worker.heartbeats.scan import scan_heartbeats
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from muster.worker.tasks.names import HEARTBEAT
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.holding import ENDS_IN, SEARCH_WINDOW, beat_for, entries, held_rows, hold, paged
from tests.harness.runtimes import BOTH_DATABASES
from tests.harness.timer_runs import MINUTE

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES)

# The nightly index backup of search, expected every 5 minutes (a SEV2 when it misses): the
# first scan at noon starts its clock, so it misses at 12:06, inside the 11:00-13:00 window.
BACKUP: dict[str, Any] = {
    "every": "5m",
    "grace": "1m",
    "impact": "major",
    "urgency": "medium",
    "service": "search",
}
MISSED = incident_id("index-backup", WEDNESDAY_NOON + 6 * MINUTE)


@pytest.fixture(autouse=True)
def backup_in_a_window(rt: Runtime) -> None:
    hold(rt, heartbeats={"index-backup": BACKUP}, **{"search-reindex": SEARCH_WINDOW})
    scan_heartbeats(rt)


def test_a_miss_inside_the_window_is_recorded_and_pages_nobody(rt: Runtime) -> None:
    beat_for(rt, 10)
    assert entries(rt, MISSED, "held")
    assert paged(rt, MISSED) == {}


def test_still_missing_at_the_end_it_pages_once(rt: Runtime) -> None:
    beat_for(rt, ENDS_IN + 5)
    assert paged(rt, MISSED)
    assert set(paged(rt, MISSED).values()) == {1}


def test_back_before_the_end_it_is_resolved_and_pages_nobody(rt: Runtime) -> None:
    beat_for(rt, 20)
    handle_heartbeat(rt, parse(HEARTBEAT, {"name": "index-backup"}), "hb-1")
    beat_for(rt, ENDS_IN)
    assert paged(rt, MISSED) == {}
    assert held_rows(rt)[0].outcome == "resolved"  # (its silence since is another miss)
