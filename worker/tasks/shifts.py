"""The tasks that tell people their shifts changed: an override added or removed
(``muster.shifts.changed``, from ``muster override`` and ``muster take``) and a config edit
gone live (``muster.shifts.edited``, from ``muster config diff --notify``).

Both are muster's own messages, sent by its CLI once the change is made; each is validated like
a contract message (a bad one is a dead letter), handed to
:mod:`muster.worker.deliveries.shift_notices`, and the notices it wrote are queued after the
commit. A concurrent duplicate (a redelivery racing itself) is retried and finds the notices
written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import structlog
from celery import Celery, Task
from sqlalchemy.exc import IntegrityError, OperationalError

from muster.worker.core.paging.duties import duties_of
from muster.worker.core.paging.override_change import ADDED, OverrideChange
from muster.worker.core.paging.shift_changes import PersonChange, Stretch
from muster.worker.deliveries.shift_notices import tell_edit, tell_override_change
from muster.worker.messages import (
    EditedStretch,
    InvalidMessage,
    ShiftsChanged,
    ShiftsEdited,
    parse,
)
from muster.worker.runtime import Runtime, runtime
from muster.worker.tasks.names import SHIFTS_CHANGED, SHIFTS_EDITED
from muster.worker.tasks.own import enqueue
from muster.worker.tasks.rejection import fitting, keep, retry_after_outage

log = structlog.get_logger("muster.tasks")


def override_changed(rt: Runtime, message: ShiftsChanged) -> list[int]:
    """The notices of an override added or removed."""
    change = OverrideChange(
        ident=message.override_id,
        added=message.action == ADDED,
        rotation=message.rotation,
        person=message.person,
        starts=message.starts.astimezone(UTC),
        until=message.until.astimezone(UTC),
        reason=message.reason,
        by=message.by,
    )
    return tell_override_change(rt, change)


def config_edited(rt: Runtime, message: ShiftsEdited) -> list[int]:
    """The notices of a config edit: each stretch with what the rotation is held for in the
    config the worker serves (the edit's, once it is live)."""
    duties = duties_of(rt.config.current().routing.config)

    def stretch(given: EditedStretch) -> Stretch:
        roles, services = duties.get(given.rotation, ((), ()))
        starts, until = given.starts.astimezone(UTC), given.until.astimezone(UTC)
        return Stretch(given.rotation, roles, services, starts, until, given.other)

    people = tuple(
        PersonChange(
            told.person,
            tuple(stretch(s) for s in told.gained),
            tuple(stretch(s) for s in told.relieved),
        )
        for told in message.people
    )
    return tell_edit(rt, message.edit, people, message.by)


Teller = Callable[[Runtime, Any], list[int]]
TELLERS: dict[str, tuple[type[ShiftsChanged | ShiftsEdited], Teller]] = {
    SHIFTS_CHANGED: (ShiftsChanged, override_changed),
    SHIFTS_EDITED: (ShiftsEdited, config_edited),
}


def handle_shift_message(task: Task, name: str, payload: Any) -> int:
    """Write the notices ``payload`` asks for and queue them; how many were written."""
    model, tell = TELLERS[name]
    try:
        message = parse(name, payload)
    except InvalidMessage as invalid:
        keep(task, name, payload, invalid.reason)
        return 0
    if not isinstance(message, model):  # pragma: no cover - parse's model for the name
        raise TypeError(type(message).__name__)
    try:
        ids = tell(runtime(), message)
    except IntegrityError:
        log.info("message.concurrent_duplicate")  # another worker told them first
        raise task.retry(countdown=0.1, max_retries=None) from None
    except OperationalError as outage:
        raise retry_after_outage(task, outage) from None
    enqueue(task.app, ids)
    return len(ids)


def register_shifts(app: Celery) -> None:
    """The shift notices' tasks."""

    @app.task(name=SHIFTS_CHANGED, bind=True, shared=False, max_retries=None)
    def shifts_changed(self: Task, *args: Any, **kwargs: Any) -> int:
        """An override was added or removed: tell the people whose shifts it moves."""
        call = fitting(self, SHIFTS_CHANGED, args, kwargs, 1, "one payload argument")
        return 0 if call is None else handle_shift_message(self, SHIFTS_CHANGED, call[0])

    @app.task(name=SHIFTS_EDITED, bind=True, shared=False, max_retries=None)
    def shifts_edited(self: Task, *args: Any, **kwargs: Any) -> int:
        """A config edit is live: tell the people whose shifts it moves."""
        call = fitting(self, SHIFTS_EDITED, args, kwargs, 1, "one payload argument")
        return 0 if call is None else handle_shift_message(self, SHIFTS_EDITED, call[0])
