"""Writing the overrides file: one writer at a time, and a reader never sees half a file.

``muster override add`` run by two people at once must keep both overrides: each writer holds an
exclusive ``fcntl.flock`` on a lock file beside the overrides file while it reads, changes and
writes it. The new text goes to a temporary file in the same folder, is flushed to disk, and
replaces the old with ``os.replace``: the watcher and ``config check`` read the old file or the
new, never a torn one.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from muster.config.overrides_file import KEY, overrides_path

HEADER = (
    "# Shift cover for {config}, written by `muster override` and `muster take`.\n"
    "# Reviewed and committed like the routing config; entries here win over its own.\n"
)


@contextmanager
def locked(config: Path) -> Iterator[Path]:
    """Hold the overrides file of ``config`` for writing; yields its path."""
    path = overrides_path(config)
    with path.with_name(f"{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The entries in the overrides file at ``path`` as written (none if there is no file)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    entries = data.get(KEY) if isinstance(data, dict) else None
    return [entry for entry in entries or [] if isinstance(entry, dict)]


def render(entries: list[dict[str, Any]], config: Path) -> str:
    """The overrides file's text for ``entries``."""
    body = yaml.safe_dump({KEY: entries}, sort_keys=False, allow_unicode=True, width=100)
    return HEADER.format(config=config.name) + body


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` at once."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
