"""Muster's state in SQL: the source of truth, which the broker only nudges.

Incidents, their timeline, deliveries (pages and broadcasts, one row each, unique by key so a
redelivered task cannot create a second), delivery attempts, dead letters. SQLite by default,
PostgreSQL in production; the schema is created and upgraded by Alembic migrations shipped here.
"""

DEFAULT_FILE = "muster.db"
"""The embedded default database, a SQLite file in ``$MUSTER_HOME`` (named here, apart from
:mod:`muster.worker.store.db`, so a command can see there is none without importing SQLAlchemy)."""

READ_ONLY_TIMEOUT = 2
"""Seconds a read-only connection waits to connect and for a statement or a lock before it gives
up on a database in trouble (the web's readiness probe, the metrics' counts, the CLI's incident
check); named here, apart from :mod:`muster.worker.store.db`, for the check without SQLAlchemy."""


class SeenUnavailable(Exception):
    """The database could not say whether a signature was seen (and so: not accepted). Named
    here, apart from :mod:`muster.worker.store.seen_signatures`, for the web to catch before it
    has imported SQLAlchemy."""


class SilencesUnavailable(Exception):
    """The silences could not be read or written (the message: the error's class only). Named
    here, apart from :mod:`muster.worker.store.silences`, for the web to catch before it has
    imported SQLAlchemy."""
