"""The database as a command sees it: never a migration (Alembic and the migrations' imports
cost half a second; the worker keeps the schema current), never a file made where there was
none, and for a command that only reads, never its write lock.

The worker holds SQLite's write lock for each of its transactions; a read on the worker's own
engine (``BEGIN IMMEDIATE``) would queue behind it and, after the 30 s busy timeout, fail. A
read-only engine reads in WAL mode beside the writer at once.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from muster.config.settings import Settings
from muster.worker.cli.failures import DatabaseUnavailable
from muster.worker.store.db import Database, database_location, database_url, make_engine


def read_only_database(settings: Settings) -> Database:
    """The configured database on an engine that cannot write; DatabaseUnavailable for a SQLite
    file that does not exist (connecting would make an empty one)."""
    return Database(make_engine(_existing(settings), read_only=True))


def writable_database(settings: Settings) -> Database:
    """The configured database on the worker's kind of engine, unmigrated (a write to a table
    its schema lacks fails as the database being unusable); DatabaseUnavailable as
    :func:`read_only_database`."""
    return Database(make_engine(_existing(settings)))


def _existing(settings: Settings) -> str:
    url = database_url(settings)
    location = make_url(url)
    if location.get_backend_name() == "sqlite":
        path = location.database or ""
        if (
            path
            and path != ":memory:"
            and not path.startswith("file:")
            and not Path(path).is_file()
        ):
            raise DatabaseUnavailable(
                f"no database at {database_location(location)}: the worker makes it when it starts"
            )
    return url
