"""The end of a window: every incident it held that is still open pages as a fresh declaration
would, once (two scanners racing too), several folded into one digest per person and, beyond a
few, into one line in each room; ``on_end: nothing`` opts out; a window edited away releases at
the next scan, as one that ended."""

from __future__ import annotations

from datetime import timedelta

import pytest

from muster.worker.core.decisions.room_lines import ROOM_LINES_AT_MOST
from muster.worker.core.rendering.review import review_markdown
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import Resolved
from muster.worker.reports import review_facts
from muster.worker.runtime import Runtime
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.declarations import declare
from tests.harness.holding import (
    ENDS_IN,
    SEARCH_SEV2,
    SEARCH_WINDOW,
    deliveries,
    entries,
    held_rows,
    hold,
    paged,
    timers_of,
)
from tests.harness.runtimes import BOTH_DATABASES, clock
from tests.harness.timer_runs import run_for, summaries

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES)

END = WEDNESDAY_NOON + timedelta(minutes=ENDS_IN)
# Who the demo pages for a search SEV2 at 13:00 that Wednesday, by sms and chat: the incident
# commander, the support lead, the scribe (frank has no sms: email) and the search SME.
SEV2_PAGES = {
    *(("bob", kind) for kind in ("sms", "chat")),
    *(("dmitri", kind) for kind in ("sms", "chat")),
    *(("frank", kind) for kind in ("email", "chat")),
    *(("ken", kind) for kind in ("sms", "chat")),
}


def held_search(rt: Runtime, **window: object) -> None:
    hold(rt, **{"search-reindex": {**SEARCH_WINDOW, **window}})
    declare(rt, base=SEARCH_SEV2)


def test_nothing_pages_before_the_end(rt: Runtime) -> None:
    held_search(rt)
    run_for(rt, ENDS_IN - 1)
    assert paged(rt, "inc-s1") == {}


def test_at_the_end_each_person_is_paged_once_by_each_kind(rt: Runtime) -> None:
    held_search(rt)
    run_for(rt, ENDS_IN + 5)
    pages = paged(rt, "inc-s1")
    assert set(pages) == SEV2_PAGES
    assert set(pages.values()) == {1}
    assert {row.created_at for row in deliveries(rt, incident_id="inc-s1", purpose="page")} == {END}


def test_two_scanners_at_the_end_release_once(rt: Runtime) -> None:
    held_search(rt)
    run_for(rt, ENDS_IN + 2, scanners=2)
    assert set(paged(rt, "inc-s1").values()) == {1}
    assert len(entries(rt, "inc-s1", "hold_released")) == 1
    assert [row.outcome for row in held_rows(rt)] == ["paged"]


def test_its_escalation_starts_from_the_end(rt: Runtime) -> None:
    held_search(rt)
    run_for(rt, ENDS_IN)
    escalations = [
        due for key, (state, due) in timers_of(rt, "inc-s1").items() if ":escalation:" in key
    ]
    assert set(escalations) == {END + timedelta(minutes=10)}  # SEV2: ack 10m


def test_the_rooms_hear_it_pages_now(rt: Runtime) -> None:
    held_search(rt)
    run_for(rt, ENDS_IN)
    told = deliveries(rt, incident_id="inc-s1", purpose="broadcast")
    assert [row for row in told if "paging now" in row.body]


def test_several_held_incidents_fold_into_one_digest_per_person_and_kind(rt: Runtime) -> None:
    held_search(rt)
    declare(rt, "m-2", base=SEARCH_SEV2, incident_id="inc-s2", title="Search index stale")
    run_for(rt, ENDS_IN)
    digests = deliveries(rt, purpose="digest")
    assert sorted((row.person, row.kind) for row in digests) == sorted(SEV2_PAGES)
    assert all("Search slow" in row.body and "Search index stale" in row.body for row in digests)
    assert all("held by window search-reindex until its end" in row.body for row in digests)
    assert not [row for row in deliveries(rt, purpose="page") if row.status != "digested"]


def held_searches(rt: Runtime, count: int) -> None:
    held_search(rt)
    for n in range(2, count + 1):
        declare(rt, f"m-{n}", base=SEARCH_SEV2, incident_id=f"inc-s{n}", title=f"Search shard {n}")


def paging_now(rt: Runtime) -> list[tuple[str | None, str]]:
    """(incident, room) of each room line saying a release pages now."""
    told = deliveries(rt, purpose="broadcast")
    return [(row.incident_id, row.kind) for row in told if "paging now" in row.body]


def test_a_few_releases_each_tell_the_rooms_in_a_line_of_their_own(rt: Runtime) -> None:
    held_searches(rt, ROOM_LINES_AT_MOST)
    run_for(rt, ENDS_IN)
    lines = paging_now(rt)
    rooms = {room for _, room in lines}
    assert rooms
    assert sorted(lines) == sorted(
        (f"inc-s{n}", room) for n in range(1, ROOM_LINES_AT_MOST + 1) for room in rooms
    )


def test_many_releases_at_once_tell_each_room_in_one_line_listing_them(rt: Runtime) -> None:
    count = ROOM_LINES_AT_MOST + 2
    held_searches(rt, count)
    run_for(rt, ENDS_IN + 5)
    lines = paging_now(rt)
    rooms = [room for _, room in lines]
    assert rooms
    assert len(rooms) == len(set(rooms))  # one line a room, once
    assert {incident for incident, _ in lines} == {None}
    for row in deliveries(rt, purpose="broadcast"):
        if "paging now" in row.body:
            assert row.title == f"{count} held incidents paging: window search-reindex ended"
            assert all(f"`inc-s{n}`" in row.body for n in range(1, count + 1))
    assert len(entries(rt, "inc-s5", "hold_released")) == 1  # each timeline still says so


def test_the_first_summary_after_the_end_says_what_was_held(rt: Runtime) -> None:
    held_search(rt)
    run_for(rt, ENDS_IN + 15)  # SEV2: a summary every 15 minutes from the release
    [summary] = summaries(rt)
    assert "Held: held by window search-reindex: Weekly search reindex" in summary.body
    assert "window search-reindex no longer holds it: paged as a fresh declaration" in summary.body


def test_the_timeline_export_says_what_was_held(rt: Runtime) -> None:
    held_search(rt)
    run_for(rt, ENDS_IN)
    with rt.database.transaction() as session:
        facts = review_facts(session, rt.config.current().routing, "inc-s1")
    assert facts is not None
    export = review_markdown(facts)
    assert "held by window search-reindex: Weekly search reindex" in export
    assert "no longer holds it: paged as a fresh declaration" in export


def test_on_end_nothing_pages_nobody_and_the_timeline_says_so(rt: Runtime) -> None:
    held_search(rt, on_end="nothing")
    run_for(rt, ENDS_IN + 5)
    assert paged(rt, "inc-s1") == {}
    [released] = entries(rt, "inc-s1", "hold_released")
    assert "nobody paged (on_end: nothing)" in released.text


def test_an_incident_resolved_while_held_is_never_paged(rt: Runtime) -> None:
    held_search(rt)
    handle_resolved(rt, Resolved(incident_id="inc-s1"), "m-r")
    run_for(rt, ENDS_IN + 5)
    assert paged(rt, "inc-s1") == {}
    assert [row.outcome for row in held_rows(rt)] == ["resolved"]


def test_a_window_edited_away_releases_at_the_next_scan(rt: Runtime) -> None:
    held_search(rt)
    run_for(rt, 10)
    hold(rt)  # the window removed from the config
    run_for(rt, 1)
    pages = deliveries(rt, incident_id="inc-s1", purpose="page")
    assert {row.created_at for row in pages} == {WEDNESDAY_NOON + timedelta(minutes=11)}


def test_a_window_cut_short_releases_at_its_new_end(rt: Runtime) -> None:
    held_search(rt)
    hold(rt, **{"search-reindex": {**SEARCH_WINDOW, "end": "2026-11-25T12:20"}})
    run_for(rt, 19)
    assert paged(rt, "inc-s1") == {}
    run_for(rt, 1)
    assert set(paged(rt, "inc-s1")) == SEV2_PAGES


def test_an_incident_still_held_by_another_window_waits_for_it(rt: Runtime) -> None:
    hold(
        rt,
        **{
            "search-reindex": SEARCH_WINDOW,
            "sev2-quiet": {
                "reason": "Quiet hours",
                "scope": {"severities": ["SEV2"]},
                "start": "2026-11-25T11:30",
                "end": "2026-11-25T13:30",
            },
        },
    )
    declare(rt, base=SEARCH_SEV2)
    run_for(rt, ENDS_IN + 29)
    assert paged(rt, "inc-s1") == {}
    run_for(rt, 1)
    assert set(paged(rt, "inc-s1")) == SEV2_PAGES


def test_the_end_instant_is_not_held(rt: Runtime) -> None:
    """A window is [start, end): a declaration at its end pages at once."""
    hold(rt, **{"search-reindex": SEARCH_WINDOW})
    clock(rt).set(END)
    declare(rt, base=SEARCH_SEV2)
    assert paged(rt, "inc-s1")
