"""``muster config diff``'s policy (``checks.diff.policy``): matrix cells, level fields, limits
and intake rules that change, each at its path with its value before and after."""

from __future__ import annotations

from datetime import timedelta

from muster.worker.core.checks.diff.changes import CHANGED, config_diff
from muster.worker.core.checks.diff.policy import PolicyChange
from tests.harness.config_edits import MONDAY, document_with, routing_of

FORTNIGHT = timedelta(days=14)


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
