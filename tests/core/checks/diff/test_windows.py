"""``muster config diff``'s maintenance windows (``checks.diff.windows``): occurrences added,
removed or moved within the horizon, the pages they newly hold or release per severity ×
service, and a long new hold of a service's most severe level as a risk."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from muster.worker.core.checks.diff.changes import CHANGED, RISKY, config_diff
from muster.worker.core.checks.diff.windows import HoldChange, OccurrenceChange
from tests.harness.config_edits import MONDAY, at, document_with, routing_of

FORTNIGHT = timedelta(days=14)
SATURDAY_2AM = at(5, 2)


def with_windows(**windows: dict[str, Any]) -> dict[str, Any]:
    document = document_with()
    document["maintenance"] = {"windows": windows}
    return document


def failover(
    start: str = "2026-11-28T02:00", end: str = "2026-11-28T04:00", **scope: Any
) -> dict[str, Any]:
    return {
        "reason": "DB failover",
        "scope": scope or {"services": ["api"], "severities": ["SEV2"]},
        "start": start,
        "end": end,
    }


def test_a_new_window_holds_its_severity_of_its_service_and_nothing_else() -> None:
    diff = config_diff(
        routing_of(document_with()), routing_of(with_windows(db=failover())), MONDAY, FORTNIGHT
    )
    end = SATURDAY_2AM + timedelta(hours=2)
    assert diff.windows.occurrences == (
        OccurrenceChange("db", SATURDAY_2AM, end, True, "DB failover"),
    )
    assert diff.windows.holds == (HoldChange("SEV2", "api", SATURDAY_2AM, end, True, ("db",)),)
    assert diff.risks == ()
    assert diff.status == CHANGED


def test_a_window_moved_a_day_releases_the_old_stretch_and_holds_the_new() -> None:
    old = with_windows(db=failover())
    new = with_windows(db=failover("2026-11-29T02:00", "2026-11-29T04:00"))
    diff = config_diff(routing_of(old), routing_of(new), MONDAY, FORTNIGHT)
    sunday = SATURDAY_2AM + timedelta(days=1)
    assert [(c.starts, c.added) for c in diff.windows.occurrences] == [
        (SATURDAY_2AM, False),
        (sunday, True),
    ]
    assert [(h.starts, h.held) for h in diff.windows.holds] == [
        (SATURDAY_2AM, False),
        (sunday, True),
    ]


def test_a_long_new_hold_of_every_sev1_of_a_service_is_a_risk() -> None:
    new = with_windows(db=failover(end="2026-11-28T10:00", services=["api"]))
    diff = config_diff(routing_of(document_with()), routing_of(new), MONDAY, FORTNIGHT)
    assert [(i.path, i.message) for i in diff.risks] == [
        (
            ("maintenance", "windows", "db"),
            "holds every SEV1 of api for 8h from 2026-11-28T02:00:00+00:00: nobody is paged for"
            " them",
        )
    ]
    assert diff.status == RISKY


def test_a_window_scoped_by_labels_alone_holds_no_declaration() -> None:
    new = with_windows(db=failover(match={"team": "db"}))
    diff = config_diff(routing_of(document_with()), routing_of(new), MONDAY, FORTNIGHT)
    assert len(diff.windows.occurrences) == 1
    assert diff.windows.holds == ()


def test_a_window_outside_the_horizon_changes_nothing() -> None:
    later = with_windows(db=failover("2027-02-06T02:00", "2027-02-06T04:00"))
    diff = config_diff(routing_of(document_with()), routing_of(later), MONDAY, FORTNIGHT)
    assert not diff.windows
