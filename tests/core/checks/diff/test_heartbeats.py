"""``muster config diff``'s heartbeat monitors (``checks.diff.heartbeats``): what a miss of each
monitor declares and pages, compared both sides — its severity, service, ``every`` and
``grace``, and who it pages — and monitors added or removed."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from muster.worker.core.checks.diff.changes import UNCHANGED, config_diff
from muster.worker.core.checks.diff.heartbeats import HeartbeatChange, MissPage
from tests.harness.config_edits import MONDAY, document_with, routing_of

FORTNIGHT = timedelta(days=14)
DAY, MINUTE = timedelta(days=1), timedelta(minutes=1)


def with_backup(**fields: Any) -> dict[str, Any]:
    document = document_with()
    document["heartbeats"] = {
        "backup": {"every": "1d", "impact": "minor", "urgency": "low", **fields}
    }
    return document


def heartbeats(old: dict[str, Any], new: dict[str, Any]) -> Any:
    return config_diff(routing_of(old), routing_of(new), MONDAY, FORTNIGHT).heartbeats


def test_a_more_urgent_miss_is_sev1_and_pages_the_commander_first() -> None:
    commander = routing_of(document_with()).on_call("commanders", MONDAY)
    assert heartbeats(with_backup(), with_backup(impact="major", urgency="high")) == (
        HeartbeatChange(
            "backup",
            MissPage("SEV2", "api", DAY, MINUTE, ("cat",)),
            MissPage("SEV1", "api", DAY, MINUTE, (commander, "cat")),
        ),
    )


def test_a_longer_grace_is_a_change_of_the_monitor() -> None:
    (change,) = heartbeats(with_backup(), with_backup(grace="1h"))
    assert change.old is not None
    assert change.new is not None
    assert (change.old.grace, change.new.grace) == (MINUTE, timedelta(hours=1))


def test_a_new_monitor_had_no_page_before() -> None:
    (change,) = heartbeats(document_with(), with_backup())
    assert (change.name, change.old) == ("backup", None)


def test_an_unchanged_monitor_is_not_listed() -> None:
    same = config_diff(
        routing_of(with_backup()), routing_of(copy.deepcopy(with_backup())), MONDAY, FORTNIGHT
    )
    assert same.heartbeats == ()
    assert same.status == UNCHANGED
