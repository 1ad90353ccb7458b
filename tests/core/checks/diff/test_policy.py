"""``muster config diff``'s policy (``checks.diff.policy``): matrix cells, level fields, limits
and intake rules that change, each at its path with its value before and after."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.checks.diff.changes import CHANGED, config_diff
from muster.worker.core.checks.diff.policy import PolicyChange
from tests.harness.config_edits import MONDAY, document_with, routing_of
from tests.harness.rotation_shapes import PROPERTY

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


PAGE = {"match": {"severity": "page"}, "impact": "major", "urgency": "high"}
DB = {"match_re": {"team": "db|storage"}, "impact": "minor", "urgency": "low"}
WEB = {"match": {"team": "web"}, "services": ["api"]}


def rule_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[PolicyChange]:
    before, after = document_with(), document_with()
    before["intake"] = {"rules": old}
    after["intake"] = {"rules": new}
    diff = config_diff(routing_of(before), routing_of(after), MONDAY, FORTNIGHT)
    return [c for c in diff.policy if c.path[:2] == ("intake", "rules")]


class TestIntakeRules:
    def test_a_rule_inserted_first_is_one_addition_not_every_rule_changed(self) -> None:
        assert rule_changes([PAGE, DB], [WEB, PAGE, DB]) == [
            PolicyChange(
                ("intake", "rules", 0), None, '{"match": {"team": "web"}, "services": ["api"]}'
            )
        ]

    def test_a_rule_moved_ahead_of_another_is_named_moved(self) -> None:
        assert rule_changes([PAGE, DB, WEB], [WEB, PAGE, DB]) == [
            PolicyChange(("intake", "rules", 0), "position 2", "position 0")
        ]

    def test_a_rule_whose_outcome_changes_is_changed_where_it_now_is(self) -> None:
        louder = {**DB, "impact": "major"}
        assert rule_changes([PAGE, DB], [PAGE, louder]) == [
            PolicyChange(
                ("intake", "rules", 1),
                '{"impact": "minor", "match_re": {"team": "db|storage"}, "urgency": "low"}',
                '{"impact": "major", "match_re": {"team": "db|storage"}, "urgency": "low"}',
            )
        ]

    def test_a_rule_removed_is_named_where_it_was(self) -> None:
        assert rule_changes([PAGE, DB], [DB]) == [
            PolicyChange(
                ("intake", "rules", 0),
                '{"impact": "major", "match": {"severity": "page"}, "urgency": "high"}',
                None,
            )
        ]


@PROPERTY
@given(order=st.permutations(range(6)))
def test_reordered_rules_are_only_moves_and_the_rest_keep_their_order(order: list[int]) -> None:
    rules = [{"match": {"team": f"t{n}"}, "services": ["api"]} for n in range(6)]
    found = rule_changes(rules, [rules[n] for n in order])
    assert all(c.old and c.old.startswith("position ") for c in found)
    moved = {int(c.old.removeprefix("position ")) for c in found if c.old}
    kept = [n for n in order if n not in moved]
    assert kept == sorted(kept)  # the rules not named moved are in their old order
    assert len(kept) == _longest_increasing(order)  # and as many as can be


def _longest_increasing(values: list[int]) -> int:
    best = [1] * len(values)
    for i in range(len(values)):
        for j in range(i):
            if values[j] < values[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)
