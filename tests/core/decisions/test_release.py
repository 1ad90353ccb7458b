"""What a hold's end does, decided: a held declaration pages (or, ``on_end: nothing``, does
not) once nothing covers it; paused escalations resume once no pausing hold covers them; a
resolved incident is released paging nobody; several released together fold per person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.config.maintenance import HoldScope
from muster.worker.core.decisions.holds import WINDOW, Hold
from muster.worker.core.decisions.release import (
    DECLARATION,
    NOTHING,
    PAGED,
    PAUSED,
    RESOLVED,
    RESUMED,
    covering,
    folded,
    release,
    remaining,
)

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def window(existing: str = "keep") -> Hold:
    return Hold(
        kind=WINDOW,
        name="failover",
        reason="PostgreSQL failover",
        scope=HoldScope(services=["payments-api"]),
        starts=NOON,
        ends=NOON + timedelta(hours=1),
        existing="pause" if existing == "pause" else "keep",
    )


def test_a_held_declaration_still_covered_stays_held() -> None:
    assert release(DECLARATION, "page", True, (window(),)) is None


def test_a_held_declaration_no_longer_covered_pages() -> None:
    assert release(DECLARATION, "page", True, ()) == PAGED


def test_on_end_nothing_releases_without_pages() -> None:
    assert release(DECLARATION, "nothing", True, ()) == NOTHING


def test_a_resolved_incident_is_released_at_once_even_while_covered() -> None:
    assert release(DECLARATION, "page", False, (window(),)) == RESOLVED
    assert release(PAUSED, "page", False, (window("pause"),)) == RESOLVED


def test_paused_escalations_resume_once_uncovered() -> None:
    assert release(PAUSED, "page", True, ()) == RESUMED


def test_only_a_pausing_hold_keeps_escalations_paused() -> None:
    assert covering(PAUSED, (window("keep"),)) == ()
    assert covering(PAUSED, (window("pause"),)) == (window("pause"),)


def test_any_hold_keeps_a_declaration_held() -> None:
    assert covering(DECLARATION, (window("keep"),)) == (window("keep"),)


def test_the_time_left_of_a_timer_already_due_is_none() -> None:
    assert remaining(NOON - timedelta(minutes=1), NOON) == timedelta()
    assert remaining(NOON + timedelta(minutes=4), NOON) == timedelta(minutes=4)


PAGES = st.lists(
    st.tuples(
        st.sampled_from(["inc-1", "inc-2", "inc-3"]),
        st.sampled_from(["ann", "ben"]),
        st.sampled_from(["sms", "chat"]),
    ),
    max_size=12,
)


@given(PAGES)
def test_a_person_and_kind_is_folded_exactly_when_paged_for_two_incidents(
    pages: list[tuple[str, str, str]],
) -> None:
    pairs = folded(pages)
    for person, kind in {(person, kind) for _, person, kind in pages}:
        incidents = {incident for incident, p, k in pages if (p, k) == (person, kind)}
        assert ((person, kind) in pairs) == (len(incidents) > 1)
    assert pairs <= {(person, kind) for _, person, kind in pages}
