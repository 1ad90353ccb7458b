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
