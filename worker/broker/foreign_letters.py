"""Keeping the files the embedded broker set aside as dead letters of kind ``foreign``.

The transport, start-up recovery and the sweeper move a file that is no message into
``broker/rejected`` (:mod:`muster.worker.broker.foreign`); here each becomes a dead letter, with
its reason and a bounded copy of its bytes, and then moves on into ``broker/foreign``, where it
stays whole for ops. Sweeps run on several pool threads at once: one keeper at a time holds the
folder's lock, so two never letter one file under two names.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import structlog

from muster.worker.broker import foreign
from muster.worker.broker.arrival import printable
from muster.worker.broker.transport import broker_folder, queue_folder
from muster.worker.incidents.dead_letters import dead_letter
from muster.worker.runtime import Runtime
from muster.worker.store.dead_letter_kinds import DeadLetterKind

log = structlog.get_logger("muster.embedded_broker")


def keep_foreign(rt: Runtime) -> int:
    """Keep each file set aside in ``broker/rejected`` as a dead letter, then move it into
    ``broker/foreign`` (its letter says where); how many were kept. A letter is keyed by the
    file's name and content, so a crash between the two keeps it once. If another keeper is at
    it, this one leaves the folder to it."""
    broker = broker_folder(rt.settings)
    folder = broker / foreign.REJECTED
    if not folder.is_dir():
        return 0
    with (broker / f"{foreign.REJECTED}.lock").open("a") as guard:
        try:
            fcntl.flock(guard.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0
        try:
            return sum(_keep(rt, path, broker) for path in sorted(folder.iterdir()))
        finally:
            fcntl.flock(guard.fileno(), fcntl.LOCK_UN)


def _keep(rt: Runtime, path: Path, broker: Path) -> bool:
    """Keep the set-aside file ``path``; whether a letter was kept. One that reads as a message
    after all (set aside on a disk error) goes back into the queue: a real alert is paged."""
    if not path.is_file():
        return False
    target = foreign.keeping(path, broker)
    try:
        _, wrong = foreign.read(path)
        if wrong is None and ".msg" in path.name:  # a message file, under its name when set aside
            name = path.name[: path.name.index(".msg") + len(".msg")]
            os.replace(path, queue_folder(rt.settings) / name)
            log.warning("embedded_broker.requeued_set_aside", file=printable(name))
            return False
        payload = foreign.describe(path, target)
    except OSError as failure:  # unreadable even whole: tried again at the next sweep
        log.error(
            "embedded_broker.foreign_unreadable",
            file=printable(path.name),
            error=type(failure).__name__,
        )
        return False
    if target.exists():  # another file of that name was kept before: tell them apart
        target = target.with_name(f"{target.name}.{payload['sha256'][:12]}")
        payload["kept_at"] = printable(str(target))
    reason = wrong or "no message file (its name does not end in .msg)"
    letter = dead_letter(rt, "", payload, reason, path.name, DeadLetterKind.FOREIGN)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    log.error(
        "embedded_broker.foreign_kept",
        file=printable(path.name),
        reason=reason,
        dead_letter_id=letter,
    )
    return True
