"""Silences in the database, on SQLite and PostgreSQL: what is added is listed and held as
added, an early expiry ends its hold there, and an ended silence stays on record."""

from __future__ import annotations

from datetime import timedelta

import pytest

from muster.worker.core.decisions.holds import SILENCE, Subject, holding
from muster.worker.core.decisions.silences import (
    ACTIVE,
    EXPIRED,
    EXPIRED_NOW,
    OVER,
    PENDING,
    UNKNOWN,
    Draft,
    Silence,
    plan_silence,
    silence_scope,
)
from muster.worker.runtime import Runtime
from muster.worker.store import silences as stored
from tests.harness.runtimes import BOTH_DATABASES, clock

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES)

HOUR = timedelta(hours=1)


def added(
    rt: Runtime, hours: int = 2, starts_in: timedelta = timedelta(), **scope: object
) -> Silence:
    now = clock(rt).now()
    draft = Draft(
        scope=silence_scope(**scope or {"services": ["search"]}),  # type: ignore[arg-type]
        author="alice",
        reason="reindex",
        starts=now + starts_in,
        length=hours * HOUR,
    )
    planned = plan_silence(rt.config.current().routing.config, draft, now)
    with rt.database.transaction() as session:
        return stored.add(session, planned)


def test_an_added_silence_reads_back_as_it_was_added(rt: Runtime) -> None:
    silence = added(rt, services=["search"], match={"env": "prod"}, match_re={"host": "db-.*"})
    with rt.database.sessions() as session:
        [found] = stored.listed(session, clock(rt).now())
    assert found == silence
    assert len(found.id) == 8
    assert found.state(clock(rt).now()) == ACTIVE


def test_a_silence_holds_its_scope_with_a_reason_naming_it_its_author_and_why(
    rt: Runtime,
) -> None:
    silence = added(rt)
    now = clock(rt).now()
    with rt.database.sessions() as session:
        [hold] = stored.silence_holds(session, now)
    assert (hold.kind, hold.name) == (SILENCE, silence.id)
    assert hold.reason == f"silence {silence.id} by alice: reindex"
    assert holding([hold], Subject(("search",), "SEV3"), now) == (hold,)
    assert holding([hold], Subject(("search", "payments-api"), "SEV3"), now) == ()


def test_a_silence_to_come_is_listed_and_held_from_its_start(rt: Runtime) -> None:
    silence = added(rt, starts_in=3 * HOUR)
    now = clock(rt).now()
    with rt.database.sessions() as session:
        [listed] = stored.listed(session, now)
        [hold] = stored.silence_holds(session, now)
    assert listed.state(now) == PENDING
    assert (hold.starts, hold.ends) == (silence.starts, silence.ends)
    assert not hold.active(now)
    assert hold.active(now + 3 * HOUR)


def test_an_expired_silence_holds_until_its_expiry_and_is_listed_only_with_all(
    rt: Runtime,
) -> None:
    silence = added(rt)
    expiry = clock(rt).now() + timedelta(minutes=30)
    with rt.database.transaction() as session:
        assert stored.expire(session, silence.id, expiry, "bob") == EXPIRED_NOW
    after = expiry + timedelta(minutes=1)
    with rt.database.sessions() as session:
        [hold] = stored.silence_holds(session, after)
        assert stored.listed(session, after) == []
        [kept] = stored.listed(session, after, everything=True)
    assert hold.ends == expiry
    assert not hold.active(after)
    assert (kept.state(after), kept.expired_by, kept.ends) == (EXPIRED, "bob", silence.ends)


def test_expiring_twice_records_the_first_and_an_unknown_id_is_unknown(rt: Runtime) -> None:
    silence = added(rt)
    now = clock(rt).now()
    with rt.database.transaction() as session:
        first = stored.expire(session, silence.id, now, "bob")
        second = stored.expire(session, silence.id, now + HOUR, "carol")
        unknown = stored.expire(session, "00000000", now, "bob")
    assert (first, second, unknown) == (EXPIRED_NOW, OVER, UNKNOWN)
    with rt.database.sessions() as session:
        assert stored.find(session, silence.id).expired_by == "bob"  # type: ignore[union-attr]


def test_a_silence_past_its_end_holds_nothing_but_stays_on_record(rt: Runtime) -> None:
    silence = added(rt, hours=1)
    later = clock(rt).now() + 2 * HOUR
    with rt.database.sessions() as session:
        assert stored.silence_holds(session, later) == []
        assert [s.id for s in stored.listed(session, later, everything=True)] == [silence.id]
