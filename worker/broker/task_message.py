"""A task message exactly as Celery's ``send_task`` writes it (task protocol 2), built without
importing Celery.

A producer (``muster declare``, the web process) only queues a task by name; importing Celery
and building its app for that was a fifth of ``muster declare``'s time (issue 19). The worker
that consumes the message is Celery: what it reads is kept to the letter — the headers, the
properties (Celery also copies its ``argsrepr``/``kwargsrepr`` options there) and the
``(args, kwargs, embed)`` body — and ``tests/worker/broker/test_task_message.py`` holds it equal
to what Celery sends, on every broker, and has a Celery worker run both.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

from kombu.common import oid_from
from kombu.utils.uuid import uuid

# Celery's own limits on the repr it writes when a caller gives none (its defaults).
REPR_MAXSIZE = 1024
REPR_MAXLEVELS = 3


@dataclass(frozen=True)
class TaskMessage:
    """What kombu publishes: the body, its headers and its properties."""

    task_id: str
    body: tuple[list[Any], dict[str, Any], dict[str, None]]
    headers: dict[str, Any]
    properties: dict[str, Any]


def origin() -> str:
    """Celery's name for a process that is not a worker (``gen<pid>@<host>``)."""
    return f"gen{os.getpid()}@{socket.gethostname()}"


def task_message(
    task: str,
    args: list[Any],
    kwargs: dict[str, Any],
    *,
    sender: object,
    argsrepr: str | None = None,
    kwargsrepr: str | None = None,
) -> TaskMessage:
    """``task(*args, **kwargs)`` as Celery's ``send_task(task, args=args, kwargs=kwargs,
    argsrepr=argsrepr, kwargsrepr=kwargsrepr)`` sends it from outside a worker's task; its
    ``reply_to`` names ``sender`` and this thread, as Celery names its app and thread (no
    result is ever read: muster ignores results)."""
    task_id = uuid()
    headers: dict[str, Any] = {
        "lang": "py",
        "task": task,
        "id": task_id,
        "shadow": None,
        "eta": None,
        "expires": None,
        "group": None,
        "group_index": None,
        "retries": 0,
        "timelimit": [None, None],
        "root_id": task_id,
        "parent_id": None,
        "argsrepr": _repr(args) if argsrepr is None else argsrepr,
        "kwargsrepr": _repr(kwargs) if kwargsrepr is None else kwargsrepr,
        "origin": origin(),
        "ignore_result": None,
        "replaced_task_nesting": 0,
        "stamped_headers": None,
        "stamps": {},
    }
    properties = {"correlation_id": task_id, "reply_to": oid_from(sender, threads=True)}
    # Celery copies the options it was given into the properties, leaving out those it was
    # given as None.
    given = {"argsrepr": argsrepr, "kwargsrepr": kwargsrepr}
    properties.update((key, value) for key, value in given.items() if value is not None)
    body = (args, kwargs, {"callbacks": None, "errbacks": None, "chain": None, "chord": None})
    return TaskMessage(task_id, body, headers, properties)


def _repr(value: object) -> str:
    """Celery's bounded repr, for the rare caller without its own (a dead letter replayed)."""
    from celery.utils.saferepr import saferepr  # noqa: PLC0415 - only when no repr is given

    return str(saferepr(value, REPR_MAXSIZE, maxlevels=REPR_MAXLEVELS))
