"""A declaration inside a maintenance window: recorded, told to the rooms once in one line,
paging nobody and arming no escalation; a resolution is delivered as always. A window holding a
storm does not flood the rooms: each hears of a few one by one, then that the rest come
together at the end."""

from __future__ import annotations

from datetime import UTC

import pytest

from muster.worker.core.decisions.room_lines import ROOM_LINES_AT_MOST
from muster.worker.core.rendering.incident_list import incidents_data, incidents_text
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import Resolved
from muster.worker.observe.metrics import HELD_PAGES
from muster.worker.runtime import Runtime
from muster.worker.store.open_incidents import Wanted, open_incidents
from tests.harness.declarations import declare
from tests.harness.holding import (
    SEARCH_SEV2,
    SEARCH_WINDOW,
    deliveries,
    entries,
    held_rows,
    hold,
    paged,
    timers_of,
)
from tests.harness.runtimes import BOTH_DATABASES

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES)


def test_a_declaration_in_scope_pages_nobody_and_arms_nothing(rt: Runtime) -> None:
    hold(rt, **{"search-reindex": SEARCH_WINDOW})
    outcome = declare(rt, base=SEARCH_SEV2)
    assert paged(rt, "inc-s1") == {}
    assert timers_of(rt, "inc-s1") == {}
    assert all(row.purpose == "broadcast" for row in deliveries(rt, incident_id="inc-s1"))
    assert outcome.incident_id == "inc-s1"


def test_the_timeline_says_which_window_held_it_and_why(rt: Runtime) -> None:
    hold(rt, **{"search-reindex": SEARCH_WINDOW})
    declare(rt, base=SEARCH_SEV2)
    [held] = entries(rt, "inc-s1", "held")
    assert held.text == "held by window search-reindex: Weekly search reindex"
    assert held.data["on_end"] == "page"
    assert entries(rt, "inc-s1", "declared")


def test_the_held_entry_names_the_windows_author(rt: Runtime) -> None:
    hold(rt, **{"search-reindex": {**SEARCH_WINDOW, "author": "ken"}})
    declare(rt, base=SEARCH_SEV2)
    [held] = entries(rt, "inc-s1", "held")
    assert held.actor == "ken"


def test_each_room_is_told_once_in_one_line(rt: Runtime) -> None:
    hold(rt, **{"search-reindex": SEARCH_WINDOW})
    declare(rt, base=SEARCH_SEV2)
    declare(rt, base=SEARCH_SEV2)  # redelivered: nothing again
    told = deliveries(rt, incident_id="inc-s1", purpose="broadcast")
    rooms = [row.kind for row in told]
    assert rooms
    assert len(rooms) == len(set(rooms))
    assert all(row.reason == "held" and "\n" not in row.body for row in told)
    assert "held by window search-reindex" in told[0].body


def test_a_storm_held_is_told_to_each_room_a_few_at_a_time(rt: Runtime) -> None:
    hold(rt, **{"search-reindex": SEARCH_WINDOW})
    count = ROOM_LINES_AT_MOST + 3
    for n in range(1, count + 1):
        declare(rt, f"m-{n}", base=SEARCH_SEV2, incident_id=f"inc-s{n}", title=f"Shard {n}")
    told = {
        n: deliveries(rt, incident_id=f"inc-s{n}", purpose="broadcast") for n in range(1, count + 1)
    }
    rooms = {row.kind for row in told[1]}
    assert rooms
    for n in range(1, ROOM_LINES_AT_MOST + 1):
        assert {row.kind for row in told[n]} == rooms
        assert all("told together" not in row.body for row in told[n])
    last = told[ROOM_LINES_AT_MOST + 1]
    assert {row.kind for row in last} == rooms
    assert all("more it holds are told together when it ends" in row.body for row in last)
    assert all("\n" not in row.body for row in last)
    for n in range(ROOM_LINES_AT_MOST + 2, count + 1):
        assert told[n] == []
        assert entries(rt, f"inc-s{n}", "held")  # the timeline still records it


def test_a_declaration_out_of_scope_pages_as_usual(rt: Runtime) -> None:
    hold(rt, **{"search-reindex": SEARCH_WINDOW})
    declare(rt)  # Checkout failing, on payments-api
    assert paged(rt, "inc-1")
    assert held_rows(rt) == []


def test_a_declaration_of_a_service_beside_the_scope_is_not_held(rt: Runtime) -> None:
    """Every service must be in scope: planned work on search hides no payments outage."""
    hold(rt, **{"search-reindex": SEARCH_WINDOW})
    declare(rt, base=SEARCH_SEV2, services=["search", "payments-api"])
    assert paged(rt, "inc-s1")


def test_a_window_not_yet_started_holds_nothing(rt: Runtime) -> None:
    hold(rt, **{"later": {**SEARCH_WINDOW, "start": "2026-11-25T12:30"}})
    declare(rt, base=SEARCH_SEV2)
    assert paged(rt, "inc-s1")


def test_a_resolution_of_a_held_incident_reaches_the_rooms(rt: Runtime) -> None:
    hold(rt, **{"search-reindex": SEARCH_WINDOW})
    declare(rt, base=SEARCH_SEV2)
    handle_resolved(rt, Resolved(incident_id="inc-s1", text="Reindex done"), "m-r")
    resolved = deliveries(rt, incident_id="inc-s1", reason="resolved")
    assert resolved
    assert all("Reindex done" in row.body for row in resolved)


def test_the_incident_listing_says_what_holds_it(rt: Runtime) -> None:
    hold(rt, **{"search-reindex": SEARCH_WINDOW})
    declare(rt, base=SEARCH_SEV2)
    routing = rt.config.current().routing
    with rt.database.transaction() as session:
        [listed] = open_incidents(session, routing, Wanted())
    assert listed.held_by == "held by window search-reindex: Weekly search reindex"
    text = incidents_text(incidents_data(routing, [listed], listed.declared_at), UTC)
    assert "  paged: nobody\n  held by window search-reindex: Weekly search reindex" in text


def test_the_pages_held_are_counted_for_the_window(rt: Runtime) -> None:
    hold(rt, **{"search-reindex": SEARCH_WINDOW})
    before = HELD_PAGES.labels("search-reindex")._value.get()
    declare(rt, base=SEARCH_SEV2)
    assert HELD_PAGES.labels("search-reindex")._value.get() - before == 4  # IC, SL, scribe, SME
