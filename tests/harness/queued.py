"""What waits on an embedded broker: the messages a CLI command queued, read off as a worker
would take them (and acknowledged, so each is read once)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from muster.config.settings import Settings
from muster.worker.broker.app import make_app


def queued(home: Path, task: str) -> list[Any]:
    """The first argument of each ``task`` message waiting on the embedded broker in ``home``
    (the default queue), oldest first; other messages are taken off and dropped."""
    previous = os.environ.get("MUSTER_HOME")
    os.environ["MUSTER_HOME"] = str(home)
    try:
        app = make_app(settings=Settings())
    finally:
        if previous is None:
            os.environ.pop("MUSTER_HOME", None)
        else:
            os.environ["MUSTER_HOME"] = previous
    found = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(app.conf.task_default_queue)
        while True:
            try:
                message = queue.get(timeout=1)
            except queue.Empty:
                return found
            message.ack()
            if message.headers.get("task") == task:
                found.append(message.decode()[0][0])
