"""``muster config diff``'s core (``checks.diff``): the stretches each person gains or loses when a
config is edited, the first pages that change, the policy cells that change, and only the risks
the edit brings (the scenarios); and, over random small edits to rotations and overrides, claims
that are exactly the differences of the two sides' holders and first pages at every instant
looked at (the property)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from muster.config.loader import load_text
from muster.worker.core.checks.diff.changes import CHANGED, RISKY, UNCHANGED, config_diff
from muster.worker.core.checks.diff.policy import PolicyChange
from muster.worker.core.checks.diff.shifts import ShiftChange
from muster.worker.core.paging.first_page import first_page
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.core.paging.routing import Routing
from tests.harness.configs import minimal_document
from tests.harness.rotation_shapes import PROPERTY, TICK

MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # the commanders hand off at 09:00
FORTNIGHT = timedelta(days=14)
PEOPLE = ["ann", "ben", "cat", "dan", "eve"]


def routing_of(document: dict[str, Any]) -> Routing:
    return load_text(yaml.safe_dump(document), "<test>", {}).routing


def document_with(**commanders: Any) -> dict[str, Any]:
    document = minimal_document()
    document["people"]["eve"] = {"name": "Eve", "chat": "eve", "email": "eve@example.com"}
    document["rotations"]["commanders"].update(commanders)
    return document


def at(day: int, hour: int) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour)


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


class TestPages:
    def test_a_new_member_pages_first_where_the_old_holder_did(self) -> None:
        old = routing_of(document_with())
        new = routing_of(document_with(members=["ann", "ben", "eve"]))
        diff = config_diff(old, new, MONDAY, FORTNIGHT)
        lost = {(c.starts, c.until) for c in diff.shifts if not c.gained}
        for service in ("api", "(unknown service)"):
            sev1 = [c for c in diff.pages if (c.severity, c.service) == ("SEV1", service)]
            assert {(c.starts, c.until) for c in sev1} == lost
            for change in sev1:
                was = old.on_call("commanders", change.starts)
                now = new.on_call("commanders", change.starts)
                assert (change.old, change.new) == ((was, "chat"), (now, "chat"))
        assert not [c for c in diff.pages if c.severity == "SEV2"]  # SEV2 pages the SMEs only

    def test_an_unedited_config_pages_alike(self) -> None:
        same = config_diff(
            routing_of(document_with()), routing_of(document_with()), MONDAY, FORTNIGHT
        )
        assert same.pages == ()


class TestRisks:
    def test_a_rotation_emptied_by_the_edit_is_a_new_risk_and_exits_two(self) -> None:
        new_document = document_with()
        new_document["rotations"]["managers"]["members"] = []
        diff = config_diff(routing_of(document_with()), routing_of(new_document), MONDAY, FORTNIGHT)
        assert [issue.path for issue in diff.risks] == [
            ("rotations", "managers", "members"),
            ("roles", "commander", "escalate_to", 0),
        ]
        assert diff.status == RISKY

    def test_a_risk_already_there_is_not_repeated(self) -> None:
        risky = document_with()
        risky["rotations"]["managers"]["members"] = []
        still_risky = copy.deepcopy(risky)
        still_risky["rotations"]["commanders"]["handoff"] = "mon 10:00"
        diff = config_diff(routing_of(risky), routing_of(still_risky), MONDAY, FORTNIGHT)
        assert diff.risks == ()
        assert diff.status == CHANGED


class TestPolicy:
    def test_matrix_cells_level_fields_limits_and_rules_that_change_are_listed(self) -> None:
        new_document = document_with()
        severity = new_document["severity"]
        severity["matrix"]["minor"]["high"] = "SEV1"
        severity["levels"]["SEV1"]["ack_within"] = "10m"
        severity["levels"]["SEV2"]["via"] = ["chat", "email"]
        new_document["limits"] = {"kinds": {"chat": {"max": 3, "per": "5m"}}}
        new_document["intake"] = {"rules": [{"match": {"team": "api"}, "services": ["api"]}]}
        diff = config_diff(routing_of(document_with()), routing_of(new_document), MONDAY, FORTNIGHT)
        assert diff.policy == (
            PolicyChange(("severity", "matrix", "minor", "high"), "SEV2", "SEV1"),
            PolicyChange(("severity", "levels", "SEV1", "ack_within"), "5m", "10m"),
            PolicyChange(("severity", "levels", "SEV2", "via"), "[chat]", "[chat, email]"),
            PolicyChange(("limits", "kinds", "chat"), None, "3 per 5m"),
            PolicyChange(
                ("intake", "rules", 0), None, '{"match": {"team": "api"}, "services": ["api"]}'
            ),
        )
        assert diff.shifts == ()
        assert diff.status == CHANGED


def _weeks(old: Routing, new: Routing) -> list[tuple[datetime, datetime, str | None, str | None]]:
    edges = [MONDAY, at(0, 9), at(7, 9), MONDAY + FORTNIGHT]
    return [
        (begins, ends, old.on_call("commanders", begins), new.on_call("commanders", begins))
        for begins, ends in pairwise(edges)
    ]


@st.composite
def edits(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A commanders rotation and a small edit of it: members swapped or one added, its handoff
    moved, its first turn later, an override added (each maybe)."""
    members = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4, unique=True))
    every = draw(st.sampled_from(["1d", "1w", "12h"]))
    hour = draw(st.integers(0, 23))
    day = "mon " if every == "1w" else ""
    old = document_with(members=members, every=every, handoff=f"{day}{hour:02}:00")
    new = copy.deepcopy(old)
    commanders = new["rotations"]["commanders"]
    if len(members) > 1 and draw(st.booleans()):
        i, j = draw(st.permutations(range(len(members))))[:2]
        commanders["members"][i], commanders["members"][j] = members[j], members[i]
    if draw(st.booleans()):
        commanders["members"].append(
            draw(st.sampled_from([p for p in PEOPLE if p not in members] or PEOPLE[:1]))
        )
    if draw(st.booleans()):
        commanders["handoff"] = (
            f"{day}{draw(st.integers(0, 23)):02}:{draw(st.sampled_from(['00', '30']))}"
        )
    if draw(st.booleans()):  # a later first turn: nobody is on call before it (a gap)
        later = MONDAY + timedelta(weeks=draw(st.integers(0, 10)))
        commanders["start"] = later.date().isoformat()
    for document in (old, new) if draw(st.booleans()) else (new,):
        if draw(st.booleans()):
            starts = MONDAY + timedelta(hours=draw(st.integers(-48, 24 * 16)))
            until = starts + timedelta(hours=draw(st.integers(1, 72)))
            document["overrides"] = [
                *document.get("overrides", []),
                {
                    "rotation": "commanders",
                    "person": draw(st.sampled_from(PEOPLE)),
                    "from": starts.strftime("%Y-%m-%dT%H:%M"),
                    "until": until.strftime("%Y-%m-%dT%H:%M"),
                },
            ]
    return old, new


class TestProperties:
    @PROPERTY
    @given(pair=edits(), offset=st.integers(0, 24 * 3600 * 60))
    def test_the_claims_are_exactly_the_differences_of_the_holders_and_first_pages(
        self, pair: tuple[dict[str, Any], dict[str, Any]], offset: int
    ) -> None:
        old, new = routing_of(pair[0]), routing_of(pair[1])
        start = MONDAY + timedelta(seconds=offset)
        horizon = timedelta(days=7)
        diff = config_diff(old, new, start, horizon)
        instants = {start + timedelta(minutes=30 * n) for n in range(7 * 48)}
        for change in diff.shifts:
            instants |= {change.starts, change.until - TICK, change.starts - TICK, change.until}
        for moment in (m for m in instants if start <= m < start + horizon):
            was, now = old.on_call("commanders", moment), new.on_call("commanders", moment)
            claimed = {
                (c.person, c.gained)
                for c in diff.shifts
                if c.rotation == "commanders" and c.starts <= moment < c.until
            }
            assert claimed == (set() if was == now else {(was, False), (now, True)}), moment
            paged = {
                (c.old, c.new)
                for c in diff.pages
                if (c.severity, c.service) == ("SEV1", "api") and c.starts <= moment < c.until
            }
            first_before, first_after = first_paged(old, moment), first_paged(new, moment)
            assert paged == (
                set() if first_before == first_after else {(first_before, first_after)}
            )


def first_paged(routing: Routing, moment: datetime) -> tuple[str, str] | None:
    """The engine's first page of a SEV1 for api at ``moment``: who, by which kind."""
    incident = Incident(id="t", title="t", impact="major", urgency="high", services=("api",))
    head = first_page(build_page_plan(routing, incident, moment))
    return (head[0].person, head[0].contacts[0].kind) if head else None
