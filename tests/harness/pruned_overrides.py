"""Overrides files with past cover, the worker's database beside them, and the history that
``muster override prune`` writes there: what the prune, oncall and calendar tests build on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from muster.config.overrides_file import overrides_path
from muster.config.overrides_store import render, write_atomically
from muster.worker.store.db import Database
from muster.worker.store.override_history import PrunedOverride


def worker_env(folder: Path, url: str | None = None) -> dict[str, str]:
    """``MUSTER_*`` for a home in ``folder`` and a database the worker made (migrated): ``url``,
    or a SQLite file in the home."""
    home = folder / "home"
    home.mkdir(exist_ok=True)
    url = url or f"sqlite:///{home / 'muster.db'}"
    Database.connect(url).engine.dispose()
    return {"MUSTER_HOME": str(home), "MUSTER_DATABASE_URL": url}


def hour(hours: float) -> datetime:
    """The top of the hour ``hours`` from now (negative: ago), aware UTC."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return now + timedelta(hours=hours)


def entry(ident: str, starts: datetime, until: datetime, person: str = "dmitri") -> dict[str, Any]:
    """An overrides file entry: ``person`` covers the demo's support-leads."""
    return {
        "id": ident,
        "rotation": "support-leads",
        "person": person,
        "from": starts.isoformat(),
        "until": until.isoformat(),
        "reason": "cover",
    }


def write_overrides(config: Path, *entries: dict[str, Any]) -> None:
    """Replace ``config``'s overrides file with ``entries``."""
    write_atomically(overrides_path(config), render(list(entries), config))


def history(env: dict[str, str]) -> list[str]:
    """The override ids in the history of ``env``'s database, in the order they were pruned."""
    database = Database.connect(env["MUSTER_DATABASE_URL"], migrate=False)
    try:
        with database.sessions() as session:
            query = select(PrunedOverride.override_id).order_by(PrunedOverride.seq)
            return list(session.scalars(query))
    finally:
        database.engine.dispose()
