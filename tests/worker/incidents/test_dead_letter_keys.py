"""A dead letter is kept per distinct message: its id and its content, on SQLite and PostgreSQL.

A producer may reuse a task id for another message; keyed by the id alone, the second bad
message under it was not kept at all. The same message delivered again is still one letter.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from muster.channels.retry import RetryPolicy
from muster.worker.incidents.dead_letters import dead_letter
from muster.worker.runtime import Runtime
from muster.worker.store.models import DeadLetter
from muster.worker.tasks.names import DECLARED
from tests.harness.runtimes import BOTH_DATABASES

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES, retry=RetryPolicy())


def letters(rt: Runtime) -> list[DeadLetter]:
    with rt.database.transaction() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def refused(redelivered: bool, body: str = "gAQu") -> dict[str, object]:
    """A description of a refused message as the consumer keeps it; a broker marks a second
    delivery (``redelivered``) and may give it another delivery tag."""
    return {
        "content_type": "application/x-python-serialize",
        "headers": {"task": DECLARED, "id": "p-1"},
        "properties": {"delivery_tag": "tag-2" if redelivered else "tag-1"},
        "delivery_info": {"exchange": "", "routing_key": "q", "redelivered": redelivered},
        "body": {"size": 3, "base64": body},
    }


def test_a_different_message_under_a_used_id_is_a_second_letter(rt: Runtime) -> None:
    first = dead_letter(rt, DECLARED, {"title": "a"}, "impact: Field required", "m-1")
    second = dead_letter(rt, DECLARED, {"title": "b"}, "impact: Field required", "m-1")
    assert first != second
    assert [(letter.message_id, letter.payload) for letter in letters(rt)] == [
        ("m-1", {"title": "a"}),
        ("m-1", {"title": "b"}),
    ]


def test_the_same_message_delivered_again_is_one_letter(rt: Runtime) -> None:
    first = dead_letter(rt, DECLARED, {"title": "a"}, "impact: Field required", "m-1")
    again = dead_letter(rt, DECLARED, {"title": "a"}, "impact: Field required", "m-1")
    assert again == first
    assert len(letters(rt)) == 1


def test_another_task_under_a_used_id_is_a_second_letter(rt: Runtime) -> None:
    dead_letter(rt, DECLARED, {"title": "a"}, "bad", "m-1")
    dead_letter(rt, "muster.incident.resolved", {"title": "a"}, "bad", "m-1")
    assert len(letters(rt)) == 2


def test_a_refused_message_redelivered_with_new_delivery_details_is_one_letter(
    rt: Runtime,
) -> None:
    """What the broker changes between deliveries (tag, redelivered flag) is not the message."""
    first = dead_letter(rt, DECLARED, refused(False), "refused", "p-1", "undecodable")
    again = dead_letter(rt, DECLARED, refused(True), "refused", "p-1", "undecodable")
    other = dead_letter(rt, DECLARED, refused(False, "gAQv"), "refused", "p-1", "undecodable")
    assert again == first
    assert other != first
    assert len(letters(rt)) == 2


def test_messages_without_an_id_are_each_kept(rt: Runtime) -> None:
    """No id to know a copy by: a second copy cannot be told from a second message."""
    dead_letter(rt, DECLARED, {"title": "a"}, "bad", None)
    dead_letter(rt, DECLARED, {"title": "a"}, "bad", None)
    assert len(letters(rt)) == 2
