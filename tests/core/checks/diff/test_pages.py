"""``muster config diff``'s pages (``checks.diff.pages``): for each severity × service, who is
paged first, and what each role's chain sends at once and after each unacknowledged delay —
compared at every instant the answer can change, declarations whose escalation crosses a
handoff included."""

from __future__ import annotations

import copy
from datetime import timedelta

from muster.worker.core.checks.diff.changes import config_diff
from muster.worker.core.checks.diff.pages import PageChange
from tests.harness.config_edits import MONDAY, at, document_with, routing_of

FORTNIGHT = timedelta(days=14)
AT_ONCE = timedelta(0)


class TestFirstPages:
    def test_a_new_member_pages_first_where_the_old_holder_did(self) -> None:
        old = routing_of(document_with())
        new = routing_of(document_with(members=["ann", "ben", "eve"]))
        diff = config_diff(old, new, MONDAY, FORTNIGHT)
        lost = {(c.starts, c.until) for c in diff.shifts if not c.gained}
        for service in ("api", "(unknown service)"):
            sev1 = [c for c in diff.pages.first if (c.severity, c.service) == ("SEV1", service)]
            assert {(c.starts, c.until) for c in sev1} == lost
            for change in sev1:
                was = old.on_call("commanders", change.starts)
                now = new.on_call("commanders", change.starts)
                assert (change.old, change.new) == ((was, "chat"), (now, "chat"))
        assert not [c for c in diff.pages.first if c.severity == "SEV2"]  # SEV2: SMEs only

    def test_an_unedited_config_pages_alike(self) -> None:
        same = config_diff(
            routing_of(document_with()), routing_of(document_with()), MONDAY, FORTNIGHT
        )
        assert not same.pages


class TestChains:
    def test_a_new_member_gains_every_kind_at_once_where_the_holder_loses_it(self) -> None:
        old = routing_of(document_with())
        new = routing_of(document_with(members=["ann", "ben", "eve"]))
        diff = config_diff(old, new, MONDAY, FORTNIGHT)
        at_once = [
            c
            for c in diff.pages.chains
            if (c.severity, c.service, c.role, c.after) == ("SEV1", "api", "commander", AT_ONCE)
        ]
        assert {(c.starts, c.until) for c in at_once} == {
            (c.starts, c.until) for c in diff.shifts if not c.gained
        }
        for change in at_once:
            was = old.on_call("commanders", change.starts)
            now = new.on_call("commanders", change.starts)
            assert change.lost == ((was, "chat"), (was, "email"))
            assert change.gained == ((now, "chat"), (now, "email"))

    def test_a_new_manager_is_paged_after_ack_within_instead_of_the_old_one(self) -> None:
        old_document = document_with()
        old_document["escalation"] = {"repeat": 0}
        new_document = copy.deepcopy(old_document)
        new_document["rotations"]["managers"]["members"] = ["eve"]
        diff = config_diff(routing_of(old_document), routing_of(new_document), MONDAY, FORTNIGHT)
        assert diff.pages.chains == tuple(
            PageChange(
                "SEV1",
                service,
                "commander",
                timedelta(minutes=5),
                MONDAY,
                MONDAY + FORTNIGHT,
                (("dan", "chat"), ("dan", "email")),
                (("eve", "chat"), ("eve", "email")),
            )
            for service in ("api", "(unknown service)")
        )
        assert diff.pages.first == ()

    def test_an_empty_level_inserted_before_the_managers_moves_no_page(self) -> None:
        """A level with nobody on call adds no delay: the managers are still paged at +5m."""
        old_document = document_with()
        old_document["escalation"] = {"repeat": 0}
        old_document["rotations"]["nobody"] = {"members": []}
        new_document = copy.deepcopy(old_document)
        new_document["roles"]["commander"]["escalate_to"] = ["nobody", "managers"]
        diff = config_diff(routing_of(old_document), routing_of(new_document), MONDAY, FORTNIGHT)
        assert diff.pages.chains == ()

    def test_a_middle_level_emptied_pages_the_next_level_sooner(self) -> None:
        """Commanders, leads, managers: leads emptied, the managers are paged at +5m, not +10m."""
        old_document = document_with()
        old_document["escalation"] = {"repeat": 0}
        old_document["rotations"]["leads"] = {"members": ["eve"]}
        old_document["roles"]["commander"]["escalate_to"] = ["leads", "managers"]
        new_document = copy.deepcopy(old_document)
        new_document["rotations"]["leads"]["members"] = []
        diff = config_diff(routing_of(old_document), routing_of(new_document), MONDAY, FORTNIGHT)
        commander = {
            (c.after, c.lost, c.gained)
            for c in diff.pages.chains
            if (c.service, c.role) == ("api", "commander")
        }
        dan = (("dan", "chat"), ("dan", "email"))
        eve = (("eve", "chat"), ("eve", "email"))
        assert commander == {
            (timedelta(minutes=5), eve, dan),
            (timedelta(minutes=10), dan, ()),
        }

    def test_an_escalation_that_crosses_a_moved_handoff_changes_ack_within_before_it(
        self,
    ) -> None:
        old_document = document_with()
        old_document["roles"]["commander"]["escalate_to"] = []  # repeat 1: the commander again
        new_document = copy.deepcopy(old_document)
        new_document["rotations"]["commanders"]["handoff"] = "mon 10:00"
        old, new = routing_of(old_document), routing_of(new_document)
        diff = config_diff(old, new, MONDAY, FORTNIGHT)
        five = timedelta(minutes=5)
        stretches = {
            (c.after, c.starts, c.until)
            for c in diff.pages.chains
            if (c.severity, c.service) == ("SEV1", "api")
        }
        assert stretches == {
            (after, at(day, 9) - after, at(day, 10) - after)
            for day in (0, 7)
            for after in (AT_ONCE, five)
        }

    def test_a_longer_ack_within_moves_each_escalation_later(self) -> None:
        old_document = document_with(members=["ann"])
        old_document["escalation"] = {"repeat": 0}
        new_document = copy.deepcopy(old_document)
        new_document["severity"]["levels"]["SEV1"]["ack_within"] = "15m"
        diff = config_diff(routing_of(old_document), routing_of(new_document), MONDAY, FORTNIGHT)
        dan = (("dan", "chat"), ("dan", "email"))
        claims = {(c.service, c.after, c.lost, c.gained) for c in diff.pages.chains}
        assert claims == {
            (service, delay, lost, gained)
            for service in ("api", "(unknown service)")
            for delay, lost, gained in (
                (timedelta(minutes=5), dan, ()),
                (timedelta(minutes=15), (), dan),
            )
        }
        assert all((c.starts, c.until) == (MONDAY, MONDAY + FORTNIGHT) for c in diff.pages.chains)

    def test_a_level_paged_by_a_new_kind_gains_that_kind_for_everyone(self) -> None:
        old_document = document_with(members=["ann"])
        new_document = copy.deepcopy(old_document)
        new_document["severity"]["levels"]["SEV2"]["via"] = ["chat", "email"]
        diff = config_diff(routing_of(old_document), routing_of(new_document), MONDAY, FORTNIGHT)
        assert {(c.severity, c.role, c.after, c.lost, c.gained) for c in diff.pages.chains} == {
            ("SEV2", "sme:api", AT_ONCE, (), (("cat", "email"),))
        }
