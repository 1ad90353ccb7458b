"""The last good routing config in the database: one row, replaced on each clean load, and a
second for the overrides file that loaded with it (none when there was no such file).

The worker writes them (a config that loaded cleanly, as written) in one transaction, so the
pair kept always loaded together; any process reads them back when the files on disk are
invalid at start, the web on its read-only engine. Writing is an upsert of each key, done only
when a text differs from what is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from muster.config.last_good import KeptConfig, fingerprint
from muster.config.overrides_file import OverridesText
from muster.worker.store.upkeep_models import GOOD_CONFIGS

ROUTING = "routing"
OVERRIDES = "overrides"  # the overrides file that loaded with the routing config


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DatabaseKeeper:
    """The :class:`~muster.config.last_good.Keeper` on muster's database; ``writes=False`` (the
    web, whose engine cannot write) only reads."""

    def __init__(
        self, engine: Engine, writes: bool = True, now: Callable[[], datetime] = _utc_now
    ) -> None:
        self.engine = engine
        self.writes = writes
        self.now = now

    def keep(self, text: str, source: str, overrides: OverridesText | None = None) -> None:
        """Store ``text`` and ``overrides`` as the last good config, unless they are the pair
        kept already."""
        if not self.writes:
            return
        wanted = {ROUTING: (text, source)}
        if overrides is not None:
            wanted[OVERRIDES] = (overrides.text, overrides.source)
        with self.engine.begin() as connection:
            rows = connection.execute(select(GOOD_CONFIGS.c.name, GOOD_CONFIGS.c.sha256))
            kept = {row.name: row.sha256 for row in rows}
            if {name: fingerprint(t) for name, (t, _) in wanted.items()} == kept:
                return
            now = self.now()
            for name, (kept_text, kept_source) in wanted.items():
                _upsert(connection, name, kept_text, kept_source, now)
            if overrides is None:
                connection.execute(delete(GOOD_CONFIGS).where(GOOD_CONFIGS.c.name == OVERRIDES))

    def last_good(self) -> KeptConfig | None:
        """The config last kept, with its overrides file if it had one; None if none was."""
        columns = (
            GOOD_CONFIGS.c.name,
            GOOD_CONFIGS.c.text,
            GOOD_CONFIGS.c.source,
            GOOD_CONFIGS.c.sha256,
            GOOD_CONFIGS.c.stored_at,
        )
        with self.engine.connect() as connection:
            rows = {row.name: row for row in connection.execute(select(*columns))}
        routing, cover = rows.get(ROUTING), rows.get(OVERRIDES)
        if routing is None:
            return None
        return KeptConfig(
            text=routing.text,
            source=routing.source,
            sha256=routing.sha256,
            stored_at=routing.stored_at,
            overrides=None if cover is None else OverridesText(cover.text, cover.source),
        )


def _upsert(connection: Connection, name: str, text: str, source: str, now: datetime) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    values = {"source": source, "text": text, "sha256": fingerprint(text), "stored_at": now}
    statement = dialect.insert(GOOD_CONFIGS).values(name=name, **values)
    connection.execute(
        statement.on_conflict_do_update(index_elements=[GOOD_CONFIGS.c.name], set_=values)
    )
