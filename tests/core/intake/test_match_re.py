"""``intake.rules[].match_re``: RE2 regexes, fully anchored, as Alertmanager's matchers are.

RE2 matches in time linear in the label's length whatever the pattern, so no label an alert
carries can make classification take seconds; what RE2 cannot run in linear time (back
references, look-arounds) is refused when the config loads, naming the pattern.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muster.worker.core.checks.validation import validate_schema
from muster.worker.core.config.intake import AlertRule
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.intake.alerts import classify
from tests.harness.configs import minimal_document


def with_rule(pattern: str) -> tuple[RoutingConfig | None, list[str]]:
    document: dict[str, Any] = minimal_document()
    document["intake"] = {"rules": [{"match_re": {"team": pattern}, "impact": "major"}]}
    parsed, issues = validate_schema(document)
    return parsed, [f"{'.'.join(map(str, issue.path))}: {issue.message}" for issue in issues]


def rule(pattern: str) -> AlertRule:
    return AlertRule(match_re={"team": pattern}, impact="major")


class TestLinearTime:
    """A pattern that backtracks exponentially elsewhere runs in linear time here."""

    def test_nested_quantifier_on_a_long_label_returns_at_once(self) -> None:
        """``(a+)+`` against 100,000 a's and a b (seconds to centuries by backtracking)."""
        label = "a" * 100_000 + "b"
        started = time.perf_counter()
        assert not rule("(a+)+").matches({"team": label})
        elapsed = time.perf_counter() - started
        print(f"(a+)+ on a {len(label):,}-character label: {elapsed * 1000:.2f} ms")

    def test_classification_with_such_a_rule_still_answers(self) -> None:
        """An alert whose long label that rule matches is classified by it, at once."""
        config, issues = with_rule("(a+)+")
        assert config is not None, issues
        impact, _, _ = classify(config, {"team": "a" * 100_000, "urgency": "high"})
        assert impact == "major"


class TestRefusedPatterns:
    """What RE2 refuses is a config error at the matcher, naming the pattern."""

    @pytest.mark.parametrize(
        "pattern", ["(?P<x>a)(?P=x)", "(?<=db)-main", "(?!db)", r"(db)\1", "a{1001}", "(db"]
    )
    def test_pattern_re2_cannot_run_is_an_error_naming_it(self, pattern: str) -> None:
        """Back references, look-arounds, huge repeats and syntax errors are refused."""
        config, issues = with_rule(pattern)
        assert config is None
        (issue,) = issues
        assert issue.startswith("intake.rules.0.match_re.team: ")
        assert repr(pattern) in issue


class TestAnchoring:
    """Matchers are fully anchored: the pattern must match the whole label, as Alertmanager's."""

    @pytest.mark.parametrize(
        ("pattern", "label", "holds"),
        [
            ("db|storage", "db", True),
            ("db|storage", "storage", True),
            ("db|storage", "db-main", False),
            ("db|storage", "mydb", False),
            ("db.*", "db-main", True),
            (".*db", "mydb", True),
            ("", "", True),
            ("", "db", False),
            ("(?i)DB", "db", True),
        ],
    )
    def test_the_whole_label_must_match(self, pattern: str, label: str, holds: bool) -> None:
        """Alternatives and all: ``db|storage`` matches ``db``, never ``db-main``."""
        assert rule(pattern).matches({"team": label}) is holds

    def test_a_missing_label_is_the_empty_string(self) -> None:
        """As in Alertmanager, a missing label matches a pattern that matches ``""``."""
        assert rule(".*").matches({})
        assert not rule(".+").matches({})

    @settings(max_examples=100, deadline=None)
    @given(label=st.text(alphabet="abd-s", max_size=12))
    def test_agrees_with_anchored_python_regex_on_simple_patterns(self, label: str) -> None:
        """On patterns both engines read alike, the answer is Python's ``fullmatch``."""
        for pattern in ("db|storage", "d.*", "(ab)+", "[a-d]+-s?"):
            assert rule(pattern).matches({"team": label}) is bool(re.fullmatch(pattern, label))
