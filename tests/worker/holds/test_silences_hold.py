"""A silence holds what a window of the same scope would, through the same worker path: a
declaration inside it pages nobody, and expiring it early releases what it held at the next
scan, once, as a window's end does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from muster.worker.core.config.maintenance import HoldScope
from muster.worker.core.decisions.silences import Draft, plan_silence
from muster.worker.core.paging.keys import HELD_KIND, RELEASED_KIND
from muster.worker.runtime import Runtime
from muster.worker.store import silences
from tests.harness.declarations import declare
from tests.harness.holding import SEARCH_SEV2, entries, held_rows, hold, paged
from tests.harness.runtimes import BOTH_DATABASES, clock
from tests.harness.timer_runs import run_for

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES)


def silence_search(rt: Runtime, hours: int = 2) -> str:
    """Silence the search service from the runtime's now for ``hours``: the silence's id."""
    hold(rt)  # the demo, no window
    now = clock(rt).now()
    draft = Draft(
        scope=HoldScope(services=["search"]),
        author="alice",
        reason="reindex",
        length=timedelta(hours=hours),
    )
    planned = plan_silence(rt.config.current().routing.config, draft, now)
    with rt.database.transaction() as session:
        return silences.add(session, planned).id


def test_a_declaration_inside_a_silence_pages_nobody(rt: Runtime) -> None:
    ident = silence_search(rt)
    declare(rt, base=SEARCH_SEV2)
    run_for(rt, 30)
    assert paged(rt, "inc-s1") == {}
    [held] = entries(rt, "inc-s1", HELD_KIND)
    assert ident in held.text


def test_expiring_a_silence_early_pages_what_it_held_once(rt: Runtime) -> None:
    ident = silence_search(rt)
    declare(rt, base=SEARCH_SEV2)
    run_for(rt, 5)
    with rt.database.transaction() as session:
        silences.expire(session, ident, clock(rt).now(), "alice")
    run_for(rt, 3, scanners=2)
    pages = paged(rt, "inc-s1")
    assert pages, "nothing paged after the silence was expired"
    assert set(pages.values()) == {1}
    assert len(entries(rt, "inc-s1", RELEASED_KIND)) == 1
    assert [row.outcome for row in held_rows(rt)] == ["paged"]
