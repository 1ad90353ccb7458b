"""``muster dead-letters``: list, replay and discard, on a real database and the embedded broker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from kombu import Connection
from sqlalchemy import select

from muster.channels.retry import RetryPolicy
from muster.config.settings import Settings
from muster.worker.broker.transport import transport_options
from muster.worker.cli import cli
from muster.worker.incidents.dead_letters import dead_letter
from muster.worker.runtime import Runtime
from muster.worker.store.models import DeadLetter
from muster.worker.tasks.names import DECLARED

pytestmark = pytest.mark.runtime(retry=RetryPolicy())

QUEUE = "muster-cli-test"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "MUSTER_HOME": str(tmp_path),
        "MUSTER_DATABASE_URL": f"sqlite:///{tmp_path / 'muster.db'}",
        "MUSTER_QUEUE": QUEUE,
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["dead-letters", *args], env=env)


def queued(home: Path) -> list[Any]:
    """The messages on the embedded broker's queue: (task name, decoded body) each."""
    options = transport_options("musterfs://", Settings(home=home))
    found = []
    with Connection("musterfs://", transport_options=options) as connection:
        queue = connection.SimpleQueue(QUEUE)
        while queue.qsize():
            message = queue.get(timeout=1)
            found.append((message.headers["task"], message.payload))
            message.ack()
    return found


UNKNOWN_TASK = {
    "content_type": "application/json",
    "headers": {"task": "muster.incident.declare", "id": "u-1"},
    "body": {"size": 2, "base64": "W10=", "preview": "[]"},
    "args": [{"title": "t"}],
    "kwargs": {"k": 1},
}
PICKLE = {
    "content_type": "application/x-python-serialize",
    "headers": {"task": DECLARED, "id": "p-1"},
    "body": {"size": 3, "base64": "gAQu", "preview": "\ufffd"},
}


class TestList:
    def test_json_is_valid_utf8_for_a_payload_with_a_lone_surrogate(
        self, env: dict[str, str], rt: Runtime
    ) -> None:
        """JSON escapes for "\\ud800" decode to a code point no UTF-8 encoder takes; printed raw
        it made the output invalid UTF-8. It is written as its escape, and reads back the same."""
        payload = {"title": "bad \ud800 surrogate", "note": "zoë ✓"}
        dead_letter(rt, DECLARED, payload, "services: Field required", "m-1")
        result = run(env, "list", "--format", "json")
        assert result.exit_code == 0, result.output
        text = result.stdout_bytes.decode("utf-8")  # strict: fails on invalid UTF-8
        assert "zoë ✓" in text  # people's UTF-8 stays readable
        [row] = json.loads(text)
        assert row["payload"] == payload
        assert (row["kind"], row["message_id"], row["discarded_at"]) == ("invalid", "m-1", None)

    def test_text_names_the_kind(self, env: dict[str, str], rt: Runtime) -> None:
        dead_letter(
            rt, "muster.incident.declare", UNKNOWN_TASK, "unknown task", "u-1", "unknown_task"
        )
        dead_letter(
            rt, "", {"body": {}}, "not a task message: it names no task", "t-1", "malformed"
        )
        result = run(env, "list")
        assert "muster.incident.declare  [unknown_task]" in result.output
        assert "(no task)  [malformed]" in result.output
        assert "reason: not a task message: it names no task" in result.output


class TestDiscard:
    def test_a_discarded_letter_leaves_the_list_but_stays_on_record(
        self, env: dict[str, str], rt: Runtime
    ) -> None:
        kept = dead_letter(rt, DECLARED, PICKLE, "content type refused", "p-1", "undecodable")
        other = dead_letter(rt, DECLARED, {"x": 1}, "x: unknown field", "m-2")
        result = run(env, "discard", str(kept))
        assert result.exit_code == 0, result.output
        assert result.output == f"discarded #{kept}\n"
        listed = json.loads(run(env, "list", "--format", "json").output)
        assert [row["id"] for row in listed] == [other]
        everything = json.loads(run(env, "list", "--all", "--format", "json").output)
        assert [row["id"] for row in everything] == [kept, other]
        assert everything[0]["discarded_at"] is not None
        assert everything[0]["payload"] == PICKLE
        assert "(discarded " in run(env, "list", "--all").output

    def test_twice_keeps_the_first_time(self, env: dict[str, str], rt: Runtime) -> None:
        letter = dead_letter(rt, DECLARED, {"x": 1}, "bad", "m-1")
        run(env, "discard", str(letter))
        again = run(env, "discard", str(letter))
        assert again.exit_code == 0
        assert f"#{letter} was discarded already, at " in again.output

    def test_no_such_letter(self, env: dict[str, str], rt: Runtime) -> None:
        result = run(env, "discard", "999")
        assert result.exit_code == 2
        assert "no dead letter #999" in result.output


class TestReplay:
    def test_a_refused_unknown_task_is_sent_again_as_it_arrived(
        self, env: dict[str, str], rt: Runtime, tmp_path: Path
    ) -> None:
        """After a worker that has the task is deployed: the same name, arguments and keywords."""
        letter = dead_letter(
            rt, "muster.incident.declare", UNKNOWN_TASK, "unknown task", "u-1", "unknown_task"
        )
        result = run(env, "replay", str(letter))
        assert result.exit_code == 0, result.output
        [(task, body)] = queued(tmp_path)
        assert task == "muster.incident.declare"
        assert body[:2] == [[{"title": "t"}], {"k": 1}]
        assert json.loads(run(env, "list", "--format", "json").output) == []

    def test_a_contract_violation_is_sent_again_as_its_one_argument(
        self, env: dict[str, str], rt: Runtime, tmp_path: Path
    ) -> None:
        letter = dead_letter(rt, DECLARED, {"title": "t"}, "services: Field required", "m-1")
        assert run(env, "replay", str(letter)).exit_code == 0
        [(task, body)] = queued(tmp_path)
        assert (task, body[:2]) == (DECLARED, [[{"title": "t"}], {}])

    def test_a_body_that_never_decoded_cannot_be_replayed(
        self, env: dict[str, str], rt: Runtime, tmp_path: Path
    ) -> None:
        """A pickle is never unpickled, so there is nothing to send: fix the producer, discard."""
        letter = dead_letter(rt, DECLARED, PICKLE, "content type refused", "p-1", "undecodable")
        result = run(env, "replay", str(letter))
        assert result.exit_code == 2
        assert "holds no arguments a worker could read" in result.output
        assert queued(tmp_path) == []
        with rt.database.transaction() as session:
            row = session.scalar(select(DeadLetter).where(DeadLetter.id == letter))
            assert row is not None
            assert row.replayed_at is None

    def test_a_discarded_letter_is_not_replayed(
        self, env: dict[str, str], rt: Runtime, tmp_path: Path
    ) -> None:
        letter = dead_letter(rt, DECLARED, {"title": "t"}, "bad", "m-1")
        run(env, "discard", str(letter))
        result = run(env, "replay", str(letter))
        assert result.exit_code == 2
        assert f"dead letter #{letter} was discarded" in result.output
        assert queued(tmp_path) == []
