"""The ``maintenance`` section: what a window must say, the names it uses, its length, and the
warnings ``config check`` gives about windows that do nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from muster.worker.core.checks.windows import window_warnings
from muster.worker.core.config.issues import format_path
from tests.harness.window_configs import config_with, issues_of

NOW = datetime(2026, 12, 1, tzinfo=UTC)
SCOPE = {"services": ["api"]}


def window(**fields: Any) -> dict[str, Any]:
    """A one-off window on the api service, with ``fields`` changed (None: removed)."""
    base = {"reason": "r", "scope": SCOPE, "start": "2026-12-12T22:00", "end": "2026-12-13T02:00"}
    return {key: value for key, value in (base | fields).items() if value is not None}


class TestErrors:
    """A window that cannot mean what it says is refused, at its place."""

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"end": None}, "a window needs an end (or a recurrence and a duration)"),
            ({"end": "2026-12-12T21:00"}, "end must be after start"),
            ({"scope": {}}, "a scope needs services, match, match_re or severities"),
            ({"end": None, "recurrence": "FREQ=WEEKLY"}, "a recurring window needs a duration"),
            (
                {"end": None, "recurrence": "FREQ=MINUTELY", "duration": "5m"},
                "FREQ must be one of DAILY, WEEKLY, MONTHLY, YEARLY, not MINUTELY",
            ),
            (
                {"end": None, "recurrence": "FREQ=WEEKLY;BYDAY=1SU", "duration": "1h"},
                "BYDAY with a number (1SU, -1FR) needs FREQ=MONTHLY or YEARLY",
            ),
            (
                {"end": None, "recurrence": "FREQ=DAILY;INTERVAL=0", "duration": "1h"},
                "INTERVAL=0: each must be a whole number 1 to 1000",
            ),
            (
                {"end": None, "recurrence": "FREQ=DAILY;BYEASTER=0", "duration": "1h"},
                "'BYEASTER' is not a rule part muster reads",
            ),
        ],
    )
    def test_a_malformed_window_is_an_error_at_the_window(
        self, fields: dict[str, Any], expected: str
    ) -> None:
        """Each mistake is named, at the window's path."""
        issues = issues_of({"w": window(**fields)})
        assert any(
            issue.startswith("maintenance.windows.w") and expected in issue for issue in issues
        ), issues

    def test_unknown_names_in_a_scope_are_errors_with_a_suggestion(self) -> None:
        """As every other reference: the nearest defined name is offered."""
        issues = issues_of({"w": window(scope={"services": ["apii"], "severities": ["SEV9"]})})
        assert (
            "maintenance.windows.w.scope.services[0]: unknown service 'apii' (did you mean 'api'?)"
            in issues
        )
        assert any(
            issue.startswith(
                "maintenance.windows.w.scope.severities[0]: unknown severity level 'SEV9'"
            )
            for issue in issues
        )

    def test_a_window_longer_than_max_length_is_an_error(self) -> None:
        """Three days by default: a mistyped end (a month, not a day) is refused."""
        issues = issues_of({"w": window(end="2027-01-13T02:00")})
        assert issues == [
            "maintenance.windows.w.end: the window lasts 4w3d4h, longer than"
            " maintenance.max_length (3d): shorten it, or raise max_length if it is meant"
        ]

    def test_a_recurrence_without_a_break_is_an_error(self) -> None:
        """Occurrences that overlap or meet would hold for ever, whatever ``max_length`` says."""
        issues = issues_of(
            {"w": window(end=None, recurrence="FREQ=DAILY;BYHOUR=0,12", duration="12h")}
        )
        assert len(issues) == 1
        assert issues[0].startswith("maintenance.windows.w.duration: each occurrence lasts 12h")
        assert issues[0].endswith("the window would hold without a break; shorten the duration")

    def test_a_skipped_time_meeting_the_next_occurrence_is_not_unbroken(self) -> None:
        """02:30 and 03:30 on New York's spring-forward day are one instant: still a break."""
        clean = issues_of(
            {
                "w": window(
                    start="2027-03-01T02:30",
                    end=None,
                    recurrence="FREQ=DAILY;BYHOUR=2,3",
                    duration="30m",
                    timezone="America/New_York",
                )
            }
        )
        assert clean == []

    def test_an_author_must_be_a_person_of_the_config(self) -> None:
        assert issues_of({"w": window(author="ann")}) == []
        assert (
            "maintenance.windows.w.author: unknown person 'anne' (did you mean 'ann'?)"
            in issues_of({"w": window(author="anne")})
        )

    def test_an_unknown_key_in_a_scope_is_named_with_the_keys_allowed(self) -> None:
        """A misspelt ``service`` suggests ``services``."""
        issues = issues_of({"w": window(scope={"service": ["api"]})})
        assert (
            "maintenance.windows.w.scope.service: unknown key 'service' (did you mean 'services'?)"
            in issues
        )

    def test_an_unknown_key_in_a_window_is_named_with_the_keys_allowed(self) -> None:
        """A misspelt ``on_ends`` suggests ``on_end``."""
        issues = issues_of({"w": window(on_ends="page")})
        assert (
            "maintenance.windows.w.on_ends: unknown key 'on_ends' (did you mean 'on_end'?)"
            in issues
        )


class TestWarnings:
    """Valid windows that do nothing are warned about."""

    def warnings(self, **fields: Any) -> list[str]:
        config = config_with({"w": window(**fields)})
        return [
            f"{format_path(issue.path)}: {issue.message}" for issue in window_warnings(config, NOW)
        ]

    def test_a_window_to_come_is_clean(self) -> None:
        """The base window, ahead of now, warns of nothing."""
        assert self.warnings() == []

    def test_a_window_already_over_is_a_warning(self) -> None:
        """Its end has passed: it will never hold anything again."""
        assert self.warnings(start="2026-11-01T22:00", end="2026-11-02T02:00") == [
            f"maintenance.windows.w: is over at {NOW.isoformat()}: remove it"
        ]

    def test_a_recurrence_that_never_occurs_is_a_warning(self) -> None:
        """February 30th."""
        warned = self.warnings(
            end=None, recurrence="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", duration="1h"
        )
        assert warned == [
            "maintenance.windows.w.recurrence: never occurs: the rule has no occurrence in the"
            " 100 years from its start"
        ]

    def test_contradicting_matchers_hold_nothing(self) -> None:
        """``team`` cannot both equal ``db`` and match ``web.*``."""
        warned = self.warnings(scope={"match": {"team": "db"}, "match_re": {"team": "web.*"}})
        assert warned == [
            "maintenance.windows.w.scope.match_re.team: holds nothing: no 'team' label both"
            " equals 'db' and matches 'web.*'"
        ]
