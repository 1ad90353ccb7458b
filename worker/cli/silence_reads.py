"""The worker's silences as a command reads them: from the embedded SQLite file with the
standard library (:mod:`muster.worker.store.silence_file_reads`), from any other database with
SQLAlchemy on a read-only engine; never a migration, a write lock or a file made where there was
none."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from muster.config.settings import Settings
    from muster.worker.core.decisions.silences import Silence


def read_silences(settings: Settings, after: datetime | None) -> list[Silence]:
    """Every silence planned to end after ``after`` (None: every one), by start; raises
    :class:`~muster.worker.cli.failures.DatabaseUnavailable` where this host has no database,
    and the driver's error where it cannot be read."""
    from muster.worker.cli.failures import DatabaseUnavailable
    from muster.worker.store import DEFAULT_FILE
    from muster.worker.store.file_reads import sqlite_file

    embedded = settings.home_folder / DEFAULT_FILE
    if settings.database_url is None and not embedded.is_file():
        raise DatabaseUnavailable(f"no database at {embedded}: the worker makes it when it starts")
    path = sqlite_file(settings.database_url or f"sqlite:///{embedded}")
    if path is None:
        return _by_sqlalchemy(settings, after)
    if not path.is_file():
        raise DatabaseUnavailable(f"no database at {path}: the worker makes it when it starts")
    from muster.worker.store import READ_ONLY_TIMEOUT
    from muster.worker.store.file_reads import reading
    from muster.worker.store.silence_file_reads import stored_in_file

    with reading(path, READ_ONLY_TIMEOUT) as connection:
        return stored_in_file(connection, after)


def _by_sqlalchemy(settings: Settings, after: datetime | None) -> list[Silence]:
    from muster.worker.cli.reading import read_only_database
    from muster.worker.store.silences import stored

    database = read_only_database(settings)  # no write lock, no migration: it only reads
    try:
        with database.sessions() as session:
            return stored(session, after)
    finally:
        database.engine.dispose()
