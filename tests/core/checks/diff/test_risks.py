"""``muster config diff``'s risks (``checks.diff.risks``): the lint warnings the edit brings, and
only those — a risk already there is not repeated — plus what only a comparison sees: a chain
that no longer escalates, a person no kind of a level reaches any more."""

from __future__ import annotations

import copy
from datetime import timedelta

from muster.worker.core.checks.diff.changes import CHANGED, RISKY, config_diff
from tests.harness.config_edits import MONDAY, document_with, routing_of

FORTNIGHT = timedelta(days=14)


class TestRisks:
    def test_a_rotation_emptied_by_the_edit_is_a_new_risk_and_exits_two(self) -> None:
        new_document = document_with()
        new_document["rotations"]["managers"]["members"] = []
        diff = config_diff(routing_of(document_with()), routing_of(new_document), MONDAY, FORTNIGHT)
        assert [issue.path for issue in diff.risks] == [
            ("rotations", "managers", "members"),
            ("roles", "commander", "escalate_to", 0),
            ("roles", "commander", "escalate_to"),  # its only later level: no longer escalates
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


class TestChainsThatStop:
    def test_a_chain_whose_only_later_level_is_removed_no_longer_escalates(self) -> None:
        new_document = document_with()
        new_document["roles"]["commander"]["escalate_to"] = []
        diff = config_diff(routing_of(document_with()), routing_of(new_document), MONDAY, FORTNIGHT)
        assert [(issue.path, issue.message) for issue in diff.risks] == [
            (
                ("roles", "commander", "escalate_to"),
                "no longer escalates: nobody is paged after rotation 'commanders' when a page"
                " goes unanswered (before the edit: managers)",
            )
        ]
        assert diff.status == RISKY

    def test_a_chain_that_keeps_one_staffed_later_level_still_escalates(self) -> None:
        old_document = document_with()
        old_document["rotations"]["leads"] = {"members": ["eve"]}
        old_document["roles"]["commander"]["escalate_to"] = ["managers", "leads"]
        new_document = copy.deepcopy(old_document)
        new_document["roles"]["commander"]["escalate_to"] = ["leads"]
        diff = config_diff(routing_of(old_document), routing_of(new_document), MONDAY, FORTNIGHT)
        assert diff.risks == ()

    def test_a_level_whose_ack_within_is_removed_no_longer_escalates(self) -> None:
        new_document = document_with()
        del new_document["severity"]["levels"]["SEV1"]["ack_within"]
        diff = config_diff(routing_of(document_with()), routing_of(new_document), MONDAY, FORTNIGHT)
        assert [(issue.path, issue.message) for issue in diff.risks] == [
            (
                ("severity", "levels", "SEV1", "ack_within"),
                "removed: an unanswered SEV1 page no longer escalates",
            )
        ]


class TestPeopleNoKindReaches:
    def test_a_person_who_loses_every_kind_a_level_pages_by_is_a_risk(self) -> None:
        new_document = document_with()
        new_document["people"]["cat"] = {"name": "Cat"}
        diff = config_diff(routing_of(document_with()), routing_of(new_document), MONDAY, FORTNIGHT)
        unreachable = [
            i.message for i in diff.risks if i.path == ("people", "cat") and "any" in i.message
        ]
        assert unreachable == [
            "can no longer be reached by any kind SEV1 pages by (chat, email): a SEV1 page to"
            " them reaches nobody",
            "can no longer be reached by any kind SEV2 pages by (chat): a SEV2 page to them"
            " reaches nobody",
        ]
        assert diff.status == RISKY

    def test_a_person_still_reached_by_a_fallback_kind_is_no_new_risk(self) -> None:
        new_document = document_with()
        new_document["people"]["cat"] = {"name": "Cat", "email": "cat@example.com"}
        diff = config_diff(routing_of(document_with()), routing_of(new_document), MONDAY, FORTNIGHT)
        assert diff.risks == ()  # chat falls back to email
