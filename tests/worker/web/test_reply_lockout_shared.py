"""The SMS reply limits hold across web processes: wrong codes and lockouts live in the database
(SQLite and PostgreSQL, real servers), so a number locked by one process is locked in every
other, and guesses spread over processes count together."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from muster.worker.clock import ManualClock
from muster.worker.core.intake.reply_guard import LOCKOUT, WINDOW, WRONG_CODES
from muster.worker.store.db import Database, make_engine
from muster.worker.store.reply_guard import DatabaseReplyGuard
from muster.worker.store.upkeep_models import ReplyRefusal
from tests.harness.servers import scratch_database
from tests.harness.sms_replies import ANN, BEN, RIGHT, WRONG, both_paged, reply, sms_document
from tests.harness.web_app import ISSUED, Web


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with scratch_database(request.param, tmp_path) as url:
        database = Database.connect(url)
        yield database
        database.engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(ISSUED)


@pytest.fixture
def webs(make_web: Callable[..., Web], database: Database, clock: ManualClock) -> tuple[Web, Web]:
    """Two web processes' apps, each with its own engine on the one database."""
    document, incidents = sms_document(), both_paged()
    url = database.engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]
    yield tuple(  # type: ignore[misc]
        make_web(
            document,
            incidents=incidents,
            clock=clock,
            reply_guard=DatabaseReplyGuard(Database(engine)),
        )
        for engine in engines
    )
    for engine in engines:
        engine.dispose()


def test_a_number_locked_by_one_process_is_locked_in_another(webs: tuple[Web, Web]) -> None:
    first, second = webs
    for code in WRONG[:WRONG_CODES]:
        reply(first, ANN, code)
    answer = reply(second, ANN, RIGHT)
    assert answer.status_code == 429  # type: ignore[attr-defined]
    assert second.publisher.sent == []


def test_guesses_spread_over_processes_count_together(webs: tuple[Web, Web]) -> None:
    for index, code in enumerate(WRONG[:WRONG_CODES]):
        reply(webs[index % 2], ANN, code)
    assert reply(webs[0], ANN, RIGHT).status_code == 429  # type: ignore[attr-defined]
    assert reply(webs[1], BEN, RIGHT).status_code == 200  # type: ignore[attr-defined]


def test_the_shared_lockout_ends_and_old_rows_go(
    webs: tuple[Web, Web], clock: ManualClock, database: Database
) -> None:
    for code in WRONG[:WRONG_CODES]:
        reply(webs[0], ANN, code)
    clock.advance(max(LOCKOUT, WINDOW) + timedelta(seconds=1))
    assert "Acknowledged inc-1" in reply(webs[1], ANN, RIGHT).text  # type: ignore[attr-defined]
    reply(webs[1], ANN, WRONG[0])  # a write prunes what no limit looks at any more
    with database.sessions() as session:
        assert session.query(ReplyRefusal).count() == 1
