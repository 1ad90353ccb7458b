"""Tasks keep what they cannot take: wrong arguments, and what the consumer refused.

Each task runs in-process (Celery's ``apply``) on a real database; nothing goes to a broker.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from muster.channels.retry import RetryPolicy
from muster.worker.incidents.dead_letters import replay_call
from muster.worker.runtime import Runtime
from muster.worker.store.models import ConsumedMessage, DeadLetter
from muster.worker.tasks import rejection
from muster.worker.tasks.names import (
    ACKNOWLEDGED,
    DECLARED,
    DELIVER,
    FAN_OUT,
    KEEP,
    MILESTONE,
    RESOLVED,
    SCAN,
    SWEEP,
)

pytestmark = pytest.mark.runtime(retry=RetryPolicy())

GOOD = {"title": "t", "impact": "critical", "urgency": "high", "services": ["payments-api"]}


@pytest.fixture(autouse=True)
def app(task_app: Celery) -> Celery:
    """The tasks, finding ``rt`` as the worker's runtime."""
    return task_app


def letters(rt: Runtime) -> list[DeadLetter]:
    with rt.database.transaction() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


class TestWrongArguments:
    @pytest.mark.parametrize("name", [DECLARED, MILESTONE, ACKNOWLEDGED, RESOLVED])
    def test_a_contract_task_called_wrong_is_a_dead_letter(
        self, rt: Runtime, app: Celery, name: str
    ) -> None:
        """Celery would fail the call with a TypeError and drop the message."""
        app.tasks[name].apply(args=[GOOD, "extra"], kwargs={"x": 1}, task_id="arity-1")
        [letter] = letters(rt)
        assert letter.kind == "bad_arguments"
        assert letter.reason == f"{name} takes one payload argument, got 2 positional and 1 keyword"
        assert letter.message_id == "arity-1"
        assert letter.payload == {"args": [GOOD, "extra"], "kwargs": {"x": 1}}
        assert replay_call(letter) == (name, [GOOD, "extra"], {"x": 1})

    def test_no_argument_at_all(self, rt: Runtime, app: Celery) -> None:
        app.tasks[DECLARED].apply(task_id="none-1")
        [letter] = letters(rt)
        assert (
            letter.reason
            == f"{DECLARED} takes one payload argument, got 0 positional and 0 keyword"
        )

    @pytest.mark.parametrize(
        ("name", "args", "what"),
        [
            (FAN_OUT, ["inc-1"], "an incident id and a message id"),
            (DELIVER, [[1], [2]], "a list of delivery ids"),
            (SWEEP, [1], "no arguments"),
            (SCAN, [1], "no arguments"),
        ],
    )
    def test_muster_s_own_tasks_too(
        self, rt: Runtime, app: Celery, name: str, args: list[Any], what: str
    ) -> None:
        """A worker of another release may queue them with other arguments."""
        app.tasks[name].apply(args=args, task_id="own-1")
        [letter] = letters(rt)
        assert letter.reason == f"{name} takes {what}, got {len(args)} positional and 0 keyword"

    def test_a_database_outage_retries_instead_of_losing_it(
        self, rt: Runtime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def outage(*_: Any) -> int:
            raise OperationalError("INSERT", {}, ConnectionError("down"))

        monkeypatch.setattr(rejection, "dead_letter", outage)
        retried = RuntimeError("retry")
        task: Any = SimpleNamespace(
            request=SimpleNamespace(id="m-1", retries=2),
            retry=lambda countdown, max_retries: retried,
        )
        with pytest.raises(RuntimeError) as raised:
            rejection.fitting(task, DECLARED, (), {}, 1, "one payload argument")
        assert raised.value is retried


class TestKeep:
    def record(self, **overrides: Any) -> dict[str, Any]:
        return {
            "kind": "undecodable",
            "reason": "content type application/x-python-serialize refused",
            "task": DECLARED,
            "message_id": "pickle-1",
            "payload": {"content_type": "application/x-python-serialize", "body": {"size": 3}},
            **overrides,
        }

    def test_a_refused_message_is_kept_once_by_its_own_id(self, rt: Runtime, app: Celery) -> None:
        """A consumer that crashed before acknowledging queues the record twice: one letter."""
        app.tasks[KEEP].apply(args=[self.record()], task_id="keep-1")
        app.tasks[KEEP].apply(args=[self.record()], task_id="keep-2")
        [letter] = letters(rt)
        assert (letter.kind, letter.task, letter.message_id) == (
            "undecodable",
            DECLARED,
            "pickle-1",
        )
        assert letter.payload["content_type"] == "application/x-python-serialize"
        with rt.database.transaction() as session:
            assert session.get(ConsumedMessage, "pickle-1") is not None  # not recovered again

    def test_without_an_id_it_is_keyed_by_the_keep_message(self, rt: Runtime, app: Celery) -> None:
        app.tasks[KEEP].apply(args=[self.record(message_id=None)], task_id="keep-3")
        [letter] = letters(rt)
        assert letter.message_id == "keep-3"

    def test_a_record_it_cannot_read_is_kept_too(self, rt: Runtime, app: Celery) -> None:
        app.tasks[KEEP].apply(args=[{"kind": "invented"}], task_id="keep-4")
        [letter] = letters(rt)
        assert letter.kind == "bad_arguments"
        assert letter.task == KEEP
        assert letter.payload == {"args": [{"kind": "invented"}], "kwargs": {}}
