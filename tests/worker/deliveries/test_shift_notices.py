"""Telling people their shifts changed: ``muster.shifts.changed`` (an override) and
``muster.shifts.edited`` (a config edit) run in-process (Celery's ``apply``) on SQLite and
PostgreSQL, the notices sent through the recording sender.

The demo team at WEDNESDAY_NOON: bob commands the incident commanders until Monday 09:00,
everyone's first contact kind is email. Alice covering six hours of bob's week tells alice and
bob, once each, by email; the rows belong to no incident and are recorded like pages.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import select

from muster.channels.sender import SendResult
from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.deliveries.send import run_batch
from muster.worker.runtime import Runtime
from muster.worker.store.models import DeadLetter, Delivery, DeliveryAttempt
from muster.worker.tasks.names import SHIFTS_CHANGED, SHIFTS_EDITED
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.inert import assert_inert
from tests.harness.runtimes import BOTH_DATABASES, RecordingSender, clock

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES)

UNTIL = WEDNESDAY_NOON + timedelta(hours=6)
ALICE_COVERS = {
    "override_id": "ov-1a2b3c4d",
    "action": "added",
    "rotation": "incident-commanders",
    "person": "alice",
    "starts": WEDNESDAY_NOON.isoformat(),
    "until": UNTIL.isoformat(),
    "reason": "bob's flight is delayed",
    "by": "erin",
}


@pytest.fixture
def app(task_app: Celery) -> Celery:
    return task_app


def changed(
    app: Celery,
    rt: Runtime,
    payload: dict[str, Any],
    task_id: str = "m-1",
    task: str = SHIFTS_CHANGED,
) -> int:
    """The task run as the worker runs it; the notices it wrote then sent."""
    written = int(app.tasks[task].apply(args=[payload], task_id=task_id).get())
    with rt.database.transaction() as session:
        pending = session.scalars(
            select(Delivery.id).where(Delivery.status == DeliveryStatus.PENDING)
        ).all()
    run_batch(rt, list(pending))
    return written


def notices(rt: Runtime) -> list[Delivery]:
    with rt.database.transaction() as session:
        rows = session.scalars(
            select(Delivery).where(Delivery.purpose == DeliveryPurpose.SHIFT_NOTICE)
        )
        return sorted(rows, key=lambda row: row.person or "")


def sent_to(rt: Runtime) -> list[str]:
    assert isinstance(rt.sender, RecordingSender)
    return [url for url, _ in rt.sender.sent]


def test_the_person_taking_over_and_the_person_relieved_are_each_told_once_by_email(
    app: Celery, rt: Runtime
) -> None:
    assert changed(app, rt, ALICE_COVERS) == 2

    assert sent_to(rt) == ["outbox://email/alice@example.com", "outbox://email/bob@example.com"]
    alice, bob = notices(rt)
    assert (alice.person, alice.kind, alice.status) == ("alice", "email", DeliveryStatus.SENT)
    assert (bob.person, bob.kind, bob.status) == ("bob", "email", DeliveryStatus.SENT)
    assert (alice.incident_id, bob.incident_id) == (None, None)
    assert "You now hold:" in alice.body
    assert "instead of Bob Okafor (bob)" in alice.body
    assert "You no longer hold:" in bob.body
    assert "now held by Alice Byrne" in bob.body
    assert "by erin" in bob.body
    assert "flight is delayed" in bob.body


def test_a_redelivered_change_tells_nobody_twice(app: Celery, rt: Runtime) -> None:
    changed(app, rt, ALICE_COVERS)

    assert changed(app, rt, ALICE_COVERS, task_id="m-1-again") == 0

    assert len(notices(rt)) == 2
    assert len(sent_to(rt)) == 2


def test_removing_the_override_is_a_change_of_its_own_told_once_more(
    app: Celery, rt: Runtime
) -> None:
    changed(app, rt, ALICE_COVERS)

    assert changed(app, rt, {**ALICE_COVERS, "action": "removed"}, task_id="m-2") == 2

    bodies = {row.person: row.body for row in notices(rt) if "removed" in row.body}
    assert "You now hold:" in bodies["bob"]
    assert "You no longer hold:" in bodies["alice"]


def test_only_what_is_still_to_come_is_told(app: Celery, rt: Runtime) -> None:
    clock(rt).set(WEDNESDAY_NOON + timedelta(hours=4))

    changed(app, rt, ALICE_COVERS)

    alice, _ = notices(rt)
    assert "from Wed 2026-11-25 16:00 until Wed 2026-11-25 18:00" in alice.body


def test_an_override_that_has_ended_tells_nobody(app: Celery, rt: Runtime) -> None:
    clock(rt).set(UNTIL)

    assert changed(app, rt, ALICE_COVERS) == 0

    assert notices(rt) == []


def test_an_override_that_changes_nobody_tells_nobody(app: Celery, rt: Runtime) -> None:
    assert changed(app, rt, {**ALICE_COVERS, "person": "bob"}) == 0

    assert notices(rt) == []


def test_a_notice_that_fails_is_recorded_failed_with_its_attempt_and_tells_nobody_else(
    app: Celery, rt: Runtime
) -> None:
    assert isinstance(rt.sender, RecordingSender)
    rt.sender.script["outbox://email/bob@"] = [SendResult(False, False, "http-500: down")]

    changed(app, rt, ALICE_COVERS)

    _, bob = notices(rt)
    assert (bob.status, bob.last_error) == (DeliveryStatus.FAILED, "http-500: down")
    with rt.database.transaction() as session:
        attempts = session.scalars(
            select(DeliveryAttempt.outcome).where(DeliveryAttempt.delivery_id == bob.id)
        ).all()
    assert attempts == ["permanent"]
    assert len(sent_to(rt)) == 2  # no fallback, no notice about the notice


def test_a_change_that_breaks_the_message_is_a_dead_letter(app: Celery, rt: Runtime) -> None:
    assert changed(app, rt, {**ALICE_COVERS, "starts": "tomorrow"}) == 0

    with rt.database.transaction() as session:
        (letter,) = session.scalars(select(DeadLetter)).all()
    assert letter.task == SHIFTS_CHANGED
    assert "starts" in letter.reason


AN_EDIT = {
    "edit": "edit:0123456789abcdef:fedcba9876543210",
    "people": [
        {
            "person": "alice",
            "gained": [
                {
                    "rotation": "incident-commanders",
                    "starts": WEDNESDAY_NOON.isoformat(),
                    "until": UNTIL.isoformat(),
                    "other": "bob",
                }
            ],
        },
        {
            "person": "bob",
            "relieved": [
                {
                    "rotation": "incident-commanders",
                    "starts": WEDNESDAY_NOON.isoformat(),
                    "until": UNTIL.isoformat(),
                    "other": "alice",
                }
            ],
        },
    ],
    "by": "erin",
}


def test_a_live_config_edit_tells_each_person_whose_shifts_it_moves_once(
    app: Celery, rt: Runtime
) -> None:
    assert changed(app, rt, AN_EDIT, task=SHIFTS_EDITED) == 2

    assert changed(app, rt, AN_EDIT, task=SHIFTS_EDITED, task_id="m-again") == 0

    alice, bob = notices(rt)
    assert "a config edit by erin" in alice.body
    assert "You now hold:" in alice.body
    assert "Incident commander" in alice.body  # what the rotation is held for, from the config
    assert "You no longer hold:" in bob.body
    assert len(sent_to(rt)) == 2


def test_a_hostile_reason_and_author_reach_both_people_inert(app: Celery, rt: Runtime) -> None:
    hostile = "@here <!channel> [urgent](https://evil.test) \u202e\r\n# www.evil.test"

    changed(app, rt, {**ALICE_COVERS, "reason": hostile, "by": "erin@here"})

    for row in notices(rt):
        message = RenderedMessage(row.title, row.body, row.body_format)
        assert_inert(message, frozenset(), f"shift notice to {row.person}")
        assert "(at)here" in row.body
