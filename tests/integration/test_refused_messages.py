"""Whatever the worker cannot take is kept: raw messages on real brokers, through a real worker.

Each kind of message Celery refuses before muster's code runs — a pickle, bytes that are not
JSON, an unknown task name, a task message without an id (which used to kill the worker), a
contract task called with the wrong arguments — is published raw with kombu, between good
declarations, on each broker of the end-to-end stack. The worker must stay up, page the good
declarations, and keep exactly one dead letter per bad message, with its reason; the CLI lists,
replays and discards them.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from muster.worker.store.models import DeadLetter
from muster.worker.tasks.names import DECLARED
from tests.harness.end_to_end_stack import Stack
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.wallclock]


SECRET = "hunter2-do-not-log"  # in every bad payload: no log line may show it
GOOD = {"title": SECRET, "impact": "internal", "urgency": "low", "services": ["search"]}
JSON = {"content_type": "application/json", "content_encoding": "utf-8"}


def publish(stack: Stack, body: Any, headers: dict[str, Any], **options: Any) -> None:
    """One raw message on the worker's queue, as a producer that is not muster's client sends."""
    with stack.client().connection() as connection:
        connection.Producer().publish(
            body, exchange="", routing_key=stack.env["MUSTER_QUEUE"], headers=headers, **options
        )


def cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "muster.worker.cli", *args],
        env=stack.env,
        capture_output=True,
        text=True,
        cwd=stack.home,
        check=False,
    )


def letters(stack: Stack, keys: set[str]) -> list[DeadLetter]:
    with stack.database.transaction() as session:
        return list(
            session.scalars(
                select(DeadLetter).where(DeadLetter.message_id.in_(keys)).order_by(DeadLetter.id)
            )
        )


def test_every_refused_message_is_kept_once_and_the_worker_pages_on(fresh: Stack) -> None:
    run = uuid.uuid4().hex[:8]
    key = {kind: f"{kind}-{run}" for kind in ("pickle", "bytes", "unknown", "no_id", "arity")}
    client = fresh.client()
    before = fresh.worker.log_text()

    publish(
        fresh,
        pickle.dumps([[GOOD], {}, {}]),
        {"task": DECLARED, "id": key["pickle"]},
        content_type="application/x-python-serialize",
        content_encoding="binary",
    )
    publish(fresh, b"\xff\xfe" + SECRET.encode(), {"task": DECLARED, "id": key["bytes"]}, **JSON)
    first = client.declare(
        title="Search slow", impact="internal", urgency="low", services=["search"]
    )
    publish(
        fresh,
        json.dumps([[GOOD], {}, {}]),
        {"task": "muster.incident.declare", "id": key["unknown"]},
        **JSON,
    )
    publish(
        fresh, json.dumps([[GOOD], {}, {}]), {"task": DECLARED}, message_id=key["no_id"], **JSON
    )
    publish(
        fresh,
        json.dumps([[GOOD, "extra"], {"urgent": True}, {}]),
        {"task": DECLARED, "id": key["arity"]},
        **JSON,
    )
    last = client.declare(
        title="Search down", impact="internal", urgency="low", services=["search"]
    )

    wait_until(lambda: fresh.settled(first) and fresh.settled(last), timeout=30)
    wait_until(lambda: len(letters(fresh, set(key.values()))) == len(key), timeout=30)
    assert fresh.worker.process is not None
    assert fresh.worker.process.poll() is None, "the worker died"
    assert fresh.chats(first) == {"ken": 1, "incidents": 1}
    assert fresh.chats(last) == {"ken": 1, "incidents": 1}

    kept = {letter.message_id: letter for letter in letters(fresh, set(key.values()))}
    assert len(kept) == len(key)  # exactly one each: the message id is unique
    assert {k: (kept[v].kind, kept[v].task, kept[v].reason) for k, v in key.items()} == {
        "pickle": (
            "undecodable",
            DECLARED,
            "content type application/x-python-serialize refused: muster accepts JSON only",
        ),
        "bytes": (
            "undecodable",
            DECLARED,
            "the body is not valid application/json (UnicodeDecodeError)",
        ),
        "unknown": (
            "unknown_task",
            "muster.incident.declare",
            "unknown task 'muster.incident.declare': no muster task has that name",
        ),
        "no_id": ("malformed", DECLARED, f"a {DECLARED} message without a task id"),
        "arity": (
            "bad_arguments",
            DECLARED,
            f"{DECLARED} takes one payload argument, got 2 positional and 1 keyword",
        ),
    }
    pickled = kept[key["pickle"]].payload
    assert pickled["content_type"] == "application/x-python-serialize"
    assert pickled["body"]["base64"]  # what arrived, kept byte for byte
    assert kept[key["unknown"]].payload["args"] == [GOOD]
    new_lines = fresh.worker.log_text()[len(before) :]
    assert "message.refused" in new_lines
    assert SECRET not in new_lines

    listed = json.loads(fresh.cli("dead-letters", "list", "--format", "json"))
    assert {row["message_id"] for row in listed} >= set(key.values())

    # Replayed as it arrived: the same task and arguments reach the worker, which keeps it again
    # under the replay's own message id (the producer, not the message, needs the fix).
    replayed = fresh.cli("dead-letters", "replay", str(kept[key["arity"]].id)).split()[-1]
    wait_until(lambda: letters(fresh, {replayed}))
    [again] = letters(fresh, {replayed})
    assert (again.kind, again.payload) == ("bad_arguments", kept[key["arity"]].payload)

    # A pickle is never unpickled, so there is nothing to replay: it is discarded instead.
    refused = cli(fresh, "dead-letters", "replay", str(kept[key["pickle"]].id))
    assert refused.returncode == 2
    assert "holds no arguments a worker could read" in refused.stderr
    fresh.cli("dead-letters", "discard", str(kept[key["pickle"]].id))
    listed = json.loads(fresh.cli("dead-letters", "list", "--format", "json"))
    assert key["pickle"] not in {row["message_id"] for row in listed}
    everything = json.loads(fresh.cli("dead-letters", "list", "--all", "--format", "json"))
    assert key["pickle"] in {row["message_id"] for row in everything}
