"""``muster config diff``'s maintenance windows (``checks.diff.windows``): occurrences added,
removed or moved within the horizon, the pages they newly hold or release per severity ×
service, and a long new hold of a service's most severe level as a risk (the scenarios); and over
random windows on both sides, hold claims exactly where one side's windows hold a declaration
and the other's do not, as the worker's holds judge it (the property)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.checks.diff.changes import CHANGED, RISKY, config_diff
from muster.worker.core.checks.diff.windows import HoldChange, OccurrenceChange
from muster.worker.core.decisions.holds import Subject, holding
from muster.worker.core.decisions.windows import windows_between
from tests.harness.config_edits import MONDAY, at, document_with, routing_of
from tests.harness.rotation_shapes import PROPERTY, TICK

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


@st.composite
def window_edits(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each side's windows: up to three one-off windows in the fortnight, scoped by service,
    severity or both."""

    def windows() -> dict[str, Any]:
        found = {}
        for n in range(draw(st.integers(0, 3))):
            starts = MONDAY + timedelta(hours=draw(st.integers(-12, 24 * 14)))
            until = starts + timedelta(minutes=30 * draw(st.integers(1, 12)))
            scope = draw(
                st.sampled_from(
                    [{"services": ["api"]}, {"severities": ["SEV2"]}, {"severities": ["SEV1"]}]
                )
            )
            found[f"w{n}"] = failover(
                f"{starts:%Y-%m-%dT%H:%M}", f"{until:%Y-%m-%dT%H:%M}", **scope
            )
        return found

    return with_windows(**windows()), with_windows(**windows())


@PROPERTY
@given(pair=window_edits(), minutes=st.lists(st.integers(0, 14 * 24 * 60 - 1), max_size=20))
def test_hold_claims_are_exactly_where_one_side_holds_and_the_other_does_not(
    pair: tuple[dict[str, Any], dict[str, Any]], minutes: list[int]
) -> None:
    old, new = routing_of(pair[0]).config, routing_of(pair[1]).config
    diff = config_diff(routing_of(pair[0]), routing_of(pair[1]), MONDAY, FORTNIGHT)
    end = MONDAY + FORTNIGHT
    instants = {MONDAY + timedelta(minutes=m) for m in minutes}
    for hold in (*windows_between(old, MONDAY, end), *windows_between(new, MONDAY, end)):
        instants |= {hold.starts, hold.ends, hold.starts - TICK, hold.ends - TICK}
    for moment in (m for m in instants if MONDAY <= m < end):
        for level in ("SEV1", "SEV2"):
            subject = Subject(("api",), level)
            was = bool(holding(windows_between(old, MONDAY, end), subject, moment))
            now = bool(holding(windows_between(new, MONDAY, end), subject, moment))
            claimed = {
                h.held
                for h in diff.windows.holds
                if (h.severity, h.service) == (level, "api") and h.starts <= moment < h.until
            }
            assert claimed == (set() if was == now else {now}), (level, moment)
