"""``muster config diff``'s shifts (``checks.diff.shifts``): the stretches each person gains or
loses when a config is edited — a new member, a moved handoff, an override, a later first turn —
and nothing for an override outside the horizon."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from itertools import pairwise

from muster.worker.core.checks.diff.changes import CHANGED, UNCHANGED, config_diff
from muster.worker.core.checks.diff.shifts import ShiftChange
from muster.worker.core.paging.routing import Routing
from tests.harness.config_edits import MONDAY, at, document_with, routing_of

FORTNIGHT = timedelta(days=14)


class TestShifts:
    def test_an_unchanged_config_changes_nothing_and_exits_zero(self) -> None:
        diff = config_diff(
            routing_of(document_with()), routing_of(document_with()), MONDAY, FORTNIGHT
        )
        assert (diff.shifts, diff.policy, diff.risks) == ((), (), ())
        assert diff.status == UNCHANGED

    def test_a_new_member_gains_the_weeks_the_old_holders_lose(self) -> None:
        old = routing_of(document_with())
        new = routing_of(document_with(members=["ann", "ben", "eve"]))
        diff = config_diff(old, new, MONDAY, FORTNIGHT)
        assert {(c.person, c.gained, c.starts, c.until) for c in diff.shifts} == {
            (holder, gained, starts, until)
            for starts, until, was, now in _weeks(old, new)
            for holder, gained in ((was, False), (now, True))
            if was != now
        }
        assert all(c.roles == ("commander",) for c in diff.shifts)
        assert diff.status == CHANGED

    def test_a_handoff_moved_an_hour_later_moves_exactly_that_hour(self) -> None:
        old = routing_of(document_with())
        new = routing_of(document_with(handoff="mon 10:00"))
        diff = config_diff(old, new, MONDAY, FORTNIGHT)
        before, after = old.on_call("commanders", at(0, 8)), old.on_call("commanders", at(0, 9))
        assert set(diff.shifts) == {
            ShiftChange(after, "commanders", False, at(day, 9), at(day, 10), ("commander",))
            for day in (0, 7)
            for after in [old.on_call("commanders", at(day, 9))]
        } | {
            ShiftChange(before, "commanders", True, at(day, 9), at(day, 10), ("commander",))
            for day in (0, 7)
            for before in [old.on_call("commanders", at(day, 8))]
        }
        assert before != after

    def test_an_override_is_gained_by_its_person_and_lost_by_the_holder(self) -> None:
        old_document = document_with()
        new_document = copy.deepcopy(old_document)
        new_document["overrides"] = [
            {
                "rotation": "api-oncall",
                "person": "dan",
                "from": "2026-11-25T12:00",
                "until": "2026-11-26T12:00",
            }
        ]
        diff = config_diff(routing_of(old_document), routing_of(new_document), MONDAY, FORTNIGHT)
        assert diff.shifts == (
            ShiftChange("cat", "api-oncall", False, at(2, 12), at(3, 12), (), ("api",)),
            ShiftChange("dan", "api-oncall", True, at(2, 12), at(3, 12), (), ("api",)),
        )

    def test_a_first_turn_moved_later_opens_a_gap_that_nobody_gains(self) -> None:
        old = routing_of(document_with())
        diff = config_diff(old, routing_of(document_with(start="2026-11-30")), MONDAY, FORTNIGHT)
        first_turn = at(7, 9)
        assert [c for c in diff.shifts if c.person is None] == [
            ShiftChange(None, "commanders", True, MONDAY, first_turn, ("commander",))
        ]
        assert not [c for c in diff.shifts if c.gained and c.person and c.starts < first_turn]
        lost = {(c.person, c.starts) for c in diff.shifts if not c.gained and c.until <= first_turn}
        assert lost == {
            (old.on_call("commanders", moment), moment) for moment in (MONDAY, at(0, 9))
        }

    def test_an_override_outside_the_horizon_changes_nothing(self) -> None:
        new_document = document_with()
        new_document["overrides"] = [
            {
                "rotation": "api-oncall",
                "person": "dan",
                "from": "2027-03-01T00:00",
                "until": "2027-03-02T00:00",
            }
        ]
        diff = config_diff(routing_of(document_with()), routing_of(new_document), MONDAY, FORTNIGHT)
        assert diff.shifts == ()


def _weeks(old: Routing, new: Routing) -> list[tuple[datetime, datetime, str | None, str | None]]:
    edges = [MONDAY, at(0, 9), at(7, 9), MONDAY + FORTNIGHT]
    return [
        (begins, ends, old.on_call("commanders", begins), new.on_call("commanders", begins))
        for begins, ends in pairwise(edges)
    ]
