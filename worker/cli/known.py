"""What a producer command checks before it sends, so a script is told at once (one line, exit 1)
what the worker would only dead-letter: a name the routing config does not define
(:mod:`muster.worker.core.intake.message_names`, the check the web and the worker make), and an
incident
id the database does not know (waited for a moment, as the web does: a declaration sent just
before may not be committed yet).

Each check needs what this host may not have: without a readable config or database, the
message is sent and the worker judges.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from muster.config.settings import Settings
    from muster.worker.core.config.names import ConfigNames


def defined_names() -> tuple[Path, ConfigNames] | None:
    """The names the routing config the worker reads defines (``MUSTER_CONFIG``, else the
    packaged demo), or None when this host cannot read them. Secrets are not needed to know the
    names, nor is the rest of the config: only the names are read and validated."""
    from muster.config.names_file import read_names
    from muster.config.settings import Settings
    from muster.worker.cli.placeholders import PlaceholderEnviron

    try:
        path = Settings().config
    except ValueError:  # the environment's settings are wrong: sending will say how
        return None
    names = read_names(path, PlaceholderEnviron(os.environ))
    return None if names is None else (path, names)


def refuse(line: str) -> NoReturn:
    """Exit 1 with one line on stderr."""
    click.echo(line, err=True)
    raise SystemExit(1)


def check_names(message: object) -> ConfigNames | None:
    """Refuse ``message`` (exit 1) when the routing config lacks one of its names; the names
    it was checked against, if this host could read them."""
    from muster.worker.core.intake.message_names import refusal

    found = defined_names()
    if found is None:
        return None
    path, config = found
    reason = refusal(config, message, where=f"the routing config {path}")
    if reason:
        refuse(reason)
    return config


def check_incident(incident_id: str) -> None:
    """Refuse (exit 1) an incident id the database does not know, once it has been waited for;
    a database this host cannot read says nothing."""
    from muster.config.settings import Settings

    try:
        settings = Settings()
    except ValueError:  # the environment's settings are wrong: sending will say how
        return
    if _incident_known(settings, incident_id) is False:
        refuse(
            f"unknown incident {incident_id!r}: no incident has this id (declare it first, or "
            "use the id `muster declare` printed)"
        )


def _incident_known(settings: Settings, incident_id: str) -> bool | None:
    from muster.worker.store import DEFAULT_FILE
    from muster.worker.store.file_reads import sqlite_file

    embedded = settings.home_folder / DEFAULT_FILE
    if settings.database_url is None and not embedded.is_file():
        return None  # no database here: nothing to read, and SQLAlchemy need not be imported
    url = settings.database_url or f"sqlite:///{embedded}"
    path = sqlite_file(url)
    if path is None:
        return _known_by_sqlalchemy(url, incident_id, settings.incident_wait)
    if not path.is_file():
        return None  # no database here (connecting would make an empty file)
    return _known_in_file(path, incident_id, settings.incident_wait)


def _known_in_file(path: Path, incident_id: str, within: float) -> bool | None:
    """A SQLite file read with the standard library (issue 19: SQLAlchemy's import alone was
    most of ``muster ack``'s time)."""
    import sqlite3

    from muster.worker.store import READ_ONLY_TIMEOUT
    from muster.worker.store.appearing import appears
    from muster.worker.store.file_reads import incident_known, reading

    try:
        with reading(path, READ_ONLY_TIMEOUT) as connection:
            return appears(lambda: incident_known(connection, incident_id), within)
    except sqlite3.Error:
        return None


def _known_by_sqlalchemy(url: str, incident_id: str, within: float) -> bool | None:
    """A database server, or a SQLite URL with options: SQLAlchemy reads every URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from muster.worker.store.appearing import appears
    from muster.worker.store.db import Database, make_engine
    from muster.worker.store.reads import find_incident

    location = make_url(url)
    if location.get_backend_name() == "sqlite" and not Path(location.database or "").is_file():
        return None  # no database here (connecting would make an empty file)
    database = Database(make_engine(url, read_only=True))

    def found() -> bool:
        with database.sessions() as session:
            return find_incident(session, incident_id) is not None

    try:
        return appears(found, within)
    except SQLAlchemyError:
        return None
    finally:
        database.engine.dispose()
