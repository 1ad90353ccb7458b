"""The history of pruned overrides, on SQLite and PostgreSQL: kept once per override id, read
back in the order pruned, and only what can still matter to a range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from muster.worker.runtime import Runtime
from muster.worker.store.override_history import Pruned, keep, past_overrides
from tests.harness.runtimes import BOTH_DATABASES

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES)

DAY = datetime(2026, 11, 2, 9, tzinfo=UTC)
PRUNED_AT = datetime(2026, 12, 7, tzinfo=UTC)


def pruned(ident: str, day: int, person: str = "grace") -> Pruned:
    starts = DAY + timedelta(days=day)
    return Pruned(ident, "scribes", person, starts, starts + timedelta(hours=4), "cover")


def test_kept_overrides_read_back_in_the_order_pruned(rt: Runtime) -> None:
    with rt.database.transaction() as session:
        keep(session, [pruned("ov-b", 3), pruned("ov-a", 1, "frank")], PRUNED_AT)
    with rt.database.sessions() as session:
        found = past_overrides(session)
    assert [(o.person, o.starts) for o in found] == [
        ("grace", DAY + timedelta(days=3)),
        ("frank", DAY + timedelta(days=1)),
    ]


def test_an_override_kept_twice_is_recorded_once(rt: Runtime) -> None:
    with rt.database.transaction() as session:
        assert keep(session, [pruned("ov-a", 1)], PRUNED_AT) == 1
    with rt.database.transaction() as session:
        assert keep(session, [pruned("ov-a", 1), pruned("ov-b", 2)], PRUNED_AT) == 1
    with rt.database.sessions() as session:
        assert len(past_overrides(session)) == 2


def test_since_leaves_out_overrides_that_ended_before_it(rt: Runtime) -> None:
    with rt.database.transaction() as session:
        keep(session, [pruned("ov-a", 1), pruned("ov-b", 5)], PRUNED_AT)
    with rt.database.sessions() as session:
        found = past_overrides(session, DAY + timedelta(days=2))
    assert [o.starts for o in found] == [DAY + timedelta(days=5)]
