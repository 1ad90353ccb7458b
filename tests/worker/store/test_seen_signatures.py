"""The web's seen signatures in the database: first sight wins once, on SQLite and PostgreSQL;
a forgotten one may be seen again; expired ones are pruned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from muster.worker.store.db import make_engine, upgrade
from muster.worker.store.seen_signatures import PRUNE_EVERY, DatabaseSeenSignatures
from muster.worker.store.upkeep_models import SEEN_SIGNATURES
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.servers import scratch_database

NOW = WEDNESDAY_NOON
DIGEST = "a" * 64


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with scratch_database(request.param, tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def stores(url: str) -> Iterator[tuple[DatabaseSeenSignatures, DatabaseSeenSignatures]]:
    """Two processes' stores on one database."""
    engines = make_engine(url), make_engine(url)
    yield DatabaseSeenSignatures(engines[0]), DatabaseSeenSignatures(engines[1])
    for engine in engines:
        engine.dispose()


def test_a_signature_is_first_seen_once_whichever_process_sees_it_again(
    stores: tuple[DatabaseSeenSignatures, DatabaseSeenSignatures],
) -> None:
    one, two = stores
    until = NOW + timedelta(minutes=5)
    assert one.first_sight(DIGEST, until, NOW)
    assert not two.first_sight(DIGEST, until, NOW)
    assert not one.first_sight(DIGEST, until, NOW)


def test_a_forgotten_signature_is_first_seen_again(
    stores: tuple[DatabaseSeenSignatures, DatabaseSeenSignatures],
) -> None:
    one, two = stores
    until = NOW + timedelta(minutes=5)
    assert one.first_sight(DIGEST, until, NOW)
    one.forget(DIGEST)
    assert two.first_sight(DIGEST, until, NOW)


def test_expired_signatures_are_pruned(
    stores: tuple[DatabaseSeenSignatures, DatabaseSeenSignatures],
) -> None:
    one, _ = stores
    for index in range(3):
        assert one.first_sight(f"{index:064d}", NOW + timedelta(minutes=5), NOW)
    later = NOW + timedelta(minutes=5) + PRUNE_EVERY + timedelta(seconds=1)
    assert one.first_sight(DIGEST, later + timedelta(minutes=5), later)
    with one.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(SEEN_SIGNATURES)) == 1
