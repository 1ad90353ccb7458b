"""Connecting to the database and keeping its schema current.

``MUSTER_DATABASE_URL`` picks the database (``postgresql+psycopg://…`` in production); the default
is a SQLite file under ``var/``, in WAL mode with a busy timeout so the worker's threads and beat
can share it. Migrations are Alembic's, run with :func:`upgrade` (``muster db upgrade``) and at
worker start.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from muster.config.settings import Settings
from muster.worker.core.config.masking import mask_url
from muster.worker.store import DEFAULT_FILE, READ_ONLY_TIMEOUT

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def default_database(settings: Settings) -> str:
    """The embedded default: a SQLite file in ``$MUSTER_HOME`` (made when first asked for)."""
    settings.home_folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.home_folder / DEFAULT_FILE}"


def database_url(settings: Settings) -> str:
    """``MUSTER_DATABASE_URL``, else the embedded default."""
    return settings.database_url or default_database(settings)


def database_location(url: URL | str) -> str:
    """Where the database is, for the start-up line: a SQLite file's path in full (a path is no
    secret); a server's URL masked like every other URL muster prints."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ":memory:"
        if database == ":memory:" or database.startswith("file:"):
            return database
        return os.path.abspath(database)
    return mask_url(url.render_as_string(hide_password=True))


def make_engine(url: str | None = None, read_only: bool = False) -> Engine:
    """An engine for ``url`` with the settings muster relies on per backend; ``read_only``: one
    whose connections cannot write (the web's readiness probe, the metrics' counts), and give
    up within :data:`READ_ONLY_TIMEOUT` seconds instead of waiting on a database in trouble."""
    url = url or database_url(Settings())
    if read_only:
        return _read_only_engine(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # No pre-ping: it costs a round trip per transaction, and a connection the server dropped
    # fails its task with OperationalError, which the pool discards and the task retries.
    return create_engine(url, pool_size=10, max_overflow=10)


def _read_only_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # No BEGIN IMMEDIATE (it would take the write lock) and no journal mode change (a write):
        # each read is its own statement, and query_only makes SQLite refuse any write.
        engine = create_engine(
            url, connect_args={"timeout": READ_ONLY_TIMEOUT, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_read_only)
        return engine
    options = f"-c default_transaction_read_only=on -c statement_timeout={READ_ONLY_TIMEOUT * 1000}"
    return create_engine(
        url,
        pool_size=2,
        max_overflow=2,
        pool_timeout=READ_ONLY_TIMEOUT,
        pool_pre_ping=True,  # a probe must not fail for a connection the server dropped
        connect_args={"connect_timeout": READ_ONLY_TIMEOUT, "options": options},
    )


def _sqlite_read_only(connection: Any, _record: Any) -> None:
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={READ_ONLY_TIMEOUT * 1000}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    connection.isolation_level = None  # let SQLAlchemy's BEGIN below be the only transaction start
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # One writer at a time, taken at the start of the transaction: no upgrade deadlocks, and the
    # single-writer rule that makes lease claims and scans safe on SQLite.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(url: str) -> Config:
    """Alembic's config pointing at the migrations shipped in this package."""
    # Imported here: a process that only reads (``muster ack``'s incident check) has no use for
    # Alembic, which takes a tenth of a second to import.
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the latest migration."""
    from alembic import command  # noqa: PLC0415 - see alembic_config

    with engine.begin() as connection:
        config = alembic_config(str(engine.url.render_as_string(hide_password=False)))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    """The engine and a session factory; one per process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def connect(cls, url: str | None = None, migrate: bool = True) -> Database:
        """Connect to ``url`` (default: the configured database) and bring its schema up to date."""
        database = cls(make_engine(url))
        if migrate:
            upgrade(database.engine)
        return database

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any exception."""
        with self.sessions() as session, session.begin():
            yield session
