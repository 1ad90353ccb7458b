"""Asking a SQLite database file whether it knows an incident, with the standard library alone.

``muster ack``, ``milestone`` and ``resolve`` check the incident id before they send (see
:mod:`muster.worker.cli.known`); on the embedded database that one question cost the command
0.3–0.5 s of importing SQLAlchemy and the models (issue 19), where Python's own ``sqlite3``
answers at once. The query is :func:`muster.worker.store.reads.find_incident`'s, written in SQL:
a test holds the two to the same answers on a migrated database. Any URL but a plain
``sqlite:///PATH`` (a server, ``:memory:``, a ``file:`` URI, options, an escaped character) is
left to SQLAlchemy, which reads every URL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

PLAIN_SQLITE = "sqlite:///"

# The incident itself, or the incident its alias leads to (a declaration that joined an open
# incident by fingerprint under the id the producer was given).
_KNOWN = (
    "SELECT 1 FROM incidents WHERE id = :id "
    "UNION ALL SELECT 1 FROM incident_aliases AS alias "
    "JOIN incidents ON incidents.id = alias.incident_id WHERE alias.alias = :id LIMIT 1"
)


def sqlite_file(url: str) -> Path | None:
    """The file a plain ``sqlite:///PATH`` URL names (as SQLAlchemy reads it: ``sqlite:///x.db``
    relative, ``sqlite:////x.db`` absolute); None for every other URL."""
    if not url.startswith(PLAIN_SQLITE):
        return None
    path = url.removeprefix(PLAIN_SQLITE)
    if not path or path == ":memory:" or path.startswith("file:") or any(c in path for c in "?%"):
        return None
    return Path(path)


@contextmanager
def reading(path: Path, timeout: float) -> Iterator[sqlite3.Connection]:
    """A connection to the existing file ``path`` that cannot write: each statement reads on its
    own beside the worker's writes (never its write lock), waiting at most ``timeout`` seconds
    for a lock."""
    connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    with closing(connection):
        connection.execute("PRAGMA query_only=ON")
        yield connection


def incident_known(connection: sqlite3.Connection, incident_id: str) -> bool:
    """Whether the database has incident ``incident_id``, or an alias leading to one."""
    return connection.execute(_KNOWN, {"id": incident_id}).fetchone() is not None
