"""The overrides pruned from the file, read back for a command that shows past shifts.

``muster oncall --at`` in the past and ``muster calendar export --from`` in the past show the
shifts with the cover ``muster override prune`` moved to the database
(:func:`muster.worker.core.paging.override_history.with_history`). A question about now or
later reads no database (nothing pruned ends after the prune). Where there is no database (a
laptop dry run) or it cannot be read, the shifts are shown without the history, and one stderr
line says so: the config alone still answers.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from muster.worker.core.paging.routing import Routing

NOT_SHOWN = "overrides pruned from the overrides file are not shown"


def reaches_past(text: str | None, start: datetime) -> bool:
    """Whether the question starts in the past: ``--at``/``--from`` given, and before now."""
    return text not in {None, "now"} and start < datetime.now(UTC)


def with_pruned(routing: Routing, since: datetime, command: str) -> Routing:
    """``routing`` with the pruned overrides ending after ``since`` added back; ``routing``
    itself, told on stderr, if they cannot be read."""
    from muster.config.settings import Settings
    from muster.worker.cli.failures import DatabaseUnavailable, explain
    from muster.worker.core.paging.override_history import with_history
    from muster.worker.store import DEFAULT_FILE

    try:
        settings = Settings()
        embedded = settings.home_folder / DEFAULT_FILE
        if settings.database_url is None and not embedded.is_file():  # made by the worker only
            raise DatabaseUnavailable(f"no database at {embedded}")
        # SQLAlchemy only once there is a database to read: a laptop's dry run stays quick.
        from muster.worker.cli.reading import read_only_database
        from muster.worker.store.override_history import past_overrides

        database = read_only_database(settings)
        try:
            with database.sessions() as session:
                past = past_overrides(session, since)
        finally:
            database.engine.dispose()
    except DatabaseUnavailable as missing:
        click.echo(f"muster {command}: {missing}: {NOT_SHOWN}", err=True)
        return routing
    except Exception as failure:
        if explain(failure) is None:
            raise
        why = type(getattr(failure, "orig", None) or failure).__name__
        click.echo(
            f"muster {command}: the database could not be read ({why}): {NOT_SHOWN}", err=True
        )
        return routing
    return with_history(routing, past)
