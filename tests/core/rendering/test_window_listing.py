"""The coming week's maintenance windows as ``config check`` lists them."""

from __future__ import annotations

from datetime import UTC, datetime

from muster.worker.core.rendering.windows import LISTED, upcoming_windows
from tests.harness.window_configs import config_with, recurring

SATURDAY = datetime(2026, 12, 12, 12, tzinfo=UTC)


def test_each_occurrence_is_a_line_in_its_window_s_zone() -> None:
    """Times as the window's zone shows them; a window running now says so."""
    config = config_with(
        {
            "reindex": recurring(
                "FREQ=WEEKLY;BYDAY=SU", "1h", reason="Weekly reindex", timezone="America/New_York"
            ),
            "failover": {
                "reason": "Failover",
                "scope": {"severities": ["SEV2"]},
                "start": "2026-12-12T10:00",
                "end": "2026-12-14T01:00",
            },
        }
    )
    assert upcoming_windows(config, SATURDAY) == [
        "  window failover: Sat 2026-12-12 10:00 to Mon 2026-12-14 01:00 UTC (active now):"
        " Failover",
        "  window reindex: Sun 2026-12-13 03:00 to 04:00 America/New_York: Weekly reindex",
    ]


def test_a_window_recurring_often_is_counted_past_the_first_few() -> None:
    """Every hour for a week would fill a screen: the first few, then how many more."""
    config = config_with(
        {"hourly": recurring("FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))), "5m")}
    )
    lines = upcoming_windows(config, SATURDAY)
    assert len(lines) == LISTED + 1
    assert lines[-1] == f"  and {7 * 24 - LISTED} more window occurrences in the same days"
