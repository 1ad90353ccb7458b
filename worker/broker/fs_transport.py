"""kombu's filesystem transport, made safe for a producer and a consumer running at once.

kombu's own transport creates a message file in the queue folder and then writes into it, while
a consumer may list the folder, move that file away and read it — empty — at any moment in
between; the worker then dies on the JSON error (seen in muster's tests: ``Unrecoverable error:
JSONDecodeError``). Its exchange tables have the same flaw. Here a message is written whole into
a staging folder beside the queue and renamed into it, which is atomic on one file system, so
a consumer only ever sees complete files, and exchange tables are replaced the same way. A
file that still cannot be read (a hand edit, a disk error, another program's output, anything
kombu or Celery would raise on: see :mod:`muster.worker.broker.foreign`) is set aside in a
``rejected`` folder with a log line instead of stopping the worker, and becomes a dead letter.

Registered with kombu as the ``musterfs://`` transport; ``filesystem://`` URLs given to muster
use it too.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.transport import filesystem
from kombu.utils.json import dumps, loads

from muster.worker.broker import foreign
from muster.worker.broker.arrival import printable
from muster.worker.lazy_log import LazyLogger

log = LazyLogger("muster.embedded_broker")  # a producer that only sends never imports structlog


class Channel(filesystem.Channel):
    """A filesystem channel whose messages appear in the queue folder only once complete."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        # Made on first connection, so importing or configuring muster makes no folders.
        folders = [self.data_folder_in, self.data_folder_out]
        if self.store_processed:
            folders.append(self.processed_folder)
        self._out = Path(self.data_folder_out)
        self._staging = self._out.parent / "staging"
        for folder in [*folders, self._staging]:
            Path(folder).mkdir(parents=True, exist_ok=True)
        # Each exchange's table as last read, under the identity of the file it was read from.
        self._tables: dict[str, tuple[tuple[int, int, int], list[Any]]] = {}

    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        data = str(dumps(payload)).encode("utf-8")  # type: ignore[no-untyped-call]
        temporary = os.path.join(self._staging, name)
        try:
            handle = open(temporary, "wb")  # noqa: SIM115 - closed below, after the fsync
        except FileNotFoundError:  # the folder was removed under a running process
            self._staging.mkdir(parents=True, exist_ok=True)
            handle = open(temporary, "wb")  # noqa: SIM115
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, os.path.join(self._out, name))

    def get_table(self, exchange: Any) -> list[Any]:
        """kombu reads (and share-locks) the exchange's file on every publish; a table is only
        ever replaced whole (:meth:`_queue_bind` renames a new file into place), so the one read
        last stands while the file's inode, modification time and size are unchanged."""
        file: Path = self._exchange_file(exchange)  # type: ignore[no-untyped-call]
        try:
            stat = os.stat(file)
        except FileNotFoundError:
            return []
        identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = self._tables.get(exchange)
        if cached is not None and cached[0] == identity:
            return cached[1]
        table = [filesystem.exchange_queue_t(*row) for row in self._read_table(file)]
        self._tables[exchange] = (identity, table)
        return table

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        wanted = f"{queue}.msg"
        kept = Path(self.processed_folder) if self.store_processed else None
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            source = Path(self.data_folder_in) / name
            target = (kept or source.parent.parent / "taken") / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(source, target)  # whoever renames it first owns it
            except OSError:
                continue
            try:
                payload, wrong = foreign.read(target)
            except FileNotFoundError:  # recovery or the sweeper set it aside meanwhile
                continue
            if wrong is not None:
                foreign.set_aside(target, target.parent.parent)
                log.error("embedded_broker.foreign_file", file=printable(name), reason=wrong)
                continue
            if kept is None:
                target.unlink(missing_ok=True)
            return payload
        raise Empty

    def _queue_bind(self, exchange: Any, routing_key: Any, pattern: Any, queue: Any) -> None:
        # kombu creates the exchange file empty and then locks and fills it, so a publisher
        # reading the table in between routes to nothing. Here the table is rewritten under a
        # lock file and renamed into place: readers see the old table or the new one.
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._rewrite_table(
            exchange, lambda table: table if binding in table else [binding, *table]
        )

    def _delete(
        self, queue: Any, exchange: Any, routing_key: Any, pattern: Any, *args: Any, **kwargs: Any
    ) -> None:
        # kombu rewrites the table in place: replaced whole here too, as in _queue_bind.
        self._purge(queue)  # type: ignore[no-untyped-call]
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._rewrite_table(exchange, lambda table: [row for row in table if row != binding])

    def _rewrite_table(self, exchange: Any, change: Callable[[list[Any]], list[Any]]) -> None:
        file: Path = self._exchange_file(exchange)  # type: ignore[no-untyped-call]
        self.control_folder.mkdir(parents=True, exist_ok=True)
        with (file.parent / f"{file.name}.lock").open("a") as guard:
            fcntl.flock(guard.fileno(), fcntl.LOCK_EX)
            try:
                table = [filesystem.exchange_queue_t(*row) for row in self._read_table(file)]
                changed = change(table)
                if changed == table:
                    return
                staging = file.parent / f".{file.name}.{uuid.uuid4().hex}"
                staging.write_text(str(dumps(changed)))  # type: ignore[no-untyped-call]
                os.replace(staging, file)
            finally:
                fcntl.flock(guard.fileno(), fcntl.LOCK_UN)

    @staticmethod
    def _read_table(file: Path) -> list[Any]:
        try:
            text = file.read_text()
        except FileNotFoundError:
            return []
        return list(loads(text)) if text.strip() else []  # type: ignore[no-untyped-call]


class Transport(filesystem.Transport):
    """The filesystem transport with :class:`Channel`."""

    Channel = Channel
