"""The last good routing config in the database: one row, replaced on each clean load.

The worker writes it (a config that loaded cleanly, as written); any process reads it back when
the file on disk is invalid at start, the web on its read-only engine. Writing is an upsert of
the same key, done only when the text differs from what is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from muster.config.last_good import KeptConfig, fingerprint
from muster.worker.store.upkeep_models import GOOD_CONFIGS

ROUTING = "routing"


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

    def keep(self, text: str, source: str) -> None:
        """Store ``text`` as the last good config, unless it is the one kept already."""
        if not self.writes:
            return
        sha256 = fingerprint(text)
        with self.engine.begin() as connection:
            kept = connection.scalar(
                select(GOOD_CONFIGS.c.sha256).where(GOOD_CONFIGS.c.name == ROUTING)
            )
            if kept == sha256:
                return
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            values = {"source": source, "text": text, "sha256": sha256, "stored_at": self.now()}
            statement = dialect.insert(GOOD_CONFIGS).values(name=ROUTING, **values)
            connection.execute(
                statement.on_conflict_do_update(index_elements=[GOOD_CONFIGS.c.name], set_=values)
            )

    def last_good(self) -> KeptConfig | None:
        """The config last kept, or None."""
        columns = (
            GOOD_CONFIGS.c.text,
            GOOD_CONFIGS.c.source,
            GOOD_CONFIGS.c.sha256,
            GOOD_CONFIGS.c.stored_at,
        )
        with self.engine.connect() as connection:
            row = connection.execute(select(*columns).where(GOOD_CONFIGS.c.name == ROUTING)).first()
        if row is None:
            return None
        return KeptConfig(
            text=row.text, source=row.source, sha256=row.sha256, stored_at=row.stored_at
        )
