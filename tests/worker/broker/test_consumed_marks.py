"""The embedded broker's consumed marks: each task's message marked once, in batches written
off the tasks' threads, whether or not its handler marked it already."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from muster.worker.broker.consumed_marks import flush, marks
from muster.worker.incidents.records import consume
from muster.worker.runtime import Runtime
from muster.worker.store.models import ConsumedMessage
from tests.harness.runtimes import BOTH_DATABASES, clock

pytestmark = [pytest.mark.integration, pytest.mark.runtime(databases=BOTH_DATABASES)]


def marked(rt: Runtime) -> list[str]:
    with rt.database.transaction() as session:
        return sorted(session.scalars(select(ConsumedMessage.message_id)))


def test_every_message_added_is_marked_once_written(rt: Runtime) -> None:
    for message_id in ("task-1", "task-2", "task-3", "task-2"):
        marks(rt).add(message_id)
    assert flush(rt, timeout=10)
    assert marked(rt) == ["task-1", "task-2", "task-3"]


def test_a_message_its_handler_marked_is_marked_once(rt: Runtime) -> None:
    with rt.database.transaction() as session:
        consume(session, "task-1", clock(rt).now())
    marks(rt).write(["task-1", "task-2"])
    assert marked(rt) == ["task-1", "task-2"]


def test_nothing_added_flushes_at_once(rt: Runtime) -> None:
    assert flush(rt, timeout=0)
    assert marked(rt) == []
