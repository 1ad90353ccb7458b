"""``muster override prune``: ended overrides leave the file for the database, on a schedule.

The overrides file should hold the cover that matters now, not years of it; but who covered
which shift must not be lost (issue 23). So each override ended more than ``--ended-before``
ago is written to the database's history (:mod:`muster.worker.store.override_history`) and
then removed from the file, under the file's lock and by an atomic rewrite. The history is
written first, in its own transaction: if the database is unusable the command fails with one
line (exit 3) and the file is untouched; a run that fails after the history is written prunes
the same overrides the next time and records none twice. Run again at once, it prunes nothing,
so ops run it from cron, a CI job or a deploy step. Which ended overrides may go is the pure
core's rule (:func:`muster.worker.core.paging.override_history.prunable`).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from muster.config.loader import LoadedConfig
from muster.config.overrides_store import locked, read_entries, render, write_atomically
from muster.worker.cli.common import CONFIG_OPTION, load_or_exit
from muster.worker.cli.override_rows import instant, row, until_of
from muster.worker.cli.placeholders import PlaceholderEnviron
from muster.worker.core.config.durations import parse_duration
from muster.worker.core.paging.override_history import DEFAULT_ENDED_BEFORE, Cover, prunable


@click.command("prune")
@click.option(
    "--ended-before",
    "age",
    default=f"{DEFAULT_ENDED_BEFORE.days}d",
    show_default=True,
    help="Prune the overrides that ended at least this long ago: 0s, 12h, 30d.",
)
@CONFIG_OPTION
def prune(age: str, config_file: Path | None) -> None:
    """Move the overrides that ended --ended-before ago from the file to the database's
    history (past shifts still show them); one stderr line each."""
    try:
        ago = timedelta(0) if age.strip() in {"0", "0s"} else parse_duration(age)
    except ValueError as invalid:
        raise click.BadParameter(str(invalid), param_hint="--ended-before") from None
    loaded = load_or_exit(config_file, PlaceholderEnviron(os.environ))
    prune_ended(loaded, datetime.now(UTC) - ago)


def prune_ended(loaded: LoadedConfig, cut: datetime) -> list[dict[str, Any]]:
    """Prune the file's overrides ended by ``cut`` (kept in the history first); the entries
    pruned, each told on stderr."""
    with locked(Path(loaded.source)) as path:
        entries = read_entries(path)
        covers = [
            Cover(str(e.get("rotation")), instant(e.get("from"), loaded), until_of(e, loaded))
            for e in entries
        ]
        chosen = prunable(covers, cut)
        if chosen:
            _keep([entries[index] for index in chosen], loaded)
            pruned = [entries[index] for index in chosen]
            kept = [entry for index, entry in enumerate(entries) if index not in chosen]
            write_atomically(path, render(kept, Path(loaded.source)))
        else:
            pruned = []
    for entry in pruned:
        click.echo(f"pruned {row(entry, loaded)}", err=True)
    return pruned


def ident_of(entry: dict[str, Any], loaded: LoadedConfig) -> str:
    """The entry's id; for one written by hand without an id, one made of its swap, the same
    every run (the history is idempotent by id)."""
    if entry.get("id"):
        return str(entry["id"])
    starts, until = instant(entry.get("from"), loaded), until_of(entry, loaded)
    span = f"{starts:%Y%m%dT%H%M%S}-{until:%Y%m%dT%H%M%S}"
    return f"{entry.get('rotation')}:{entry.get('person')}:{span}"


def _keep(entries: list[dict[str, Any]], loaded: LoadedConfig) -> None:
    """Write ``entries`` to the history, committed before the file changes."""
    from muster.config.settings import Settings
    from muster.worker.cli.reading import writable_database
    from muster.worker.store.override_history import Pruned, keep

    kept = [
        Pruned(
            ident=ident_of(entry, loaded),
            rotation=str(entry.get("rotation")),
            person=str(entry.get("person")),
            starts=instant(entry.get("from"), loaded),
            until=until_of(entry, loaded),
            reason=str(entry.get("reason") or ""),
            author=str(entry["author"]) if entry.get("author") else None,
        )
        for entry in entries
    ]
    database = writable_database(Settings())
    try:
        with database.transaction() as session:
            keep(session, kept, datetime.now(UTC))
    finally:
        database.engine.dispose()
