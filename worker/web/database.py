"""The web process's database, connected when a route first needs it rather than at start.

A web process's alert path never reads the database: webhooks are classified from the config
and queued. SQLAlchemy and muster's table models were a third of its memory (20 MB of a 90 MB
process, issue 19), so the engines and every adapter on them are made on first use — the first
``/readyz``, Acknowledge link, SMS reply, signed request, incident listing, or a config file
invalid at start (the last good config is then read from the database). That request waits for
the import (0.1-0.8 s on the 2-core machine, by its load); later ones do not.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from muster.config.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from muster.config.last_good import Keeper, KeptConfig
    from muster.config.overrides_file import OverridesText
    from muster.worker.core.config.model import Override
    from muster.worker.core.intake.reply_guard import Guard
    from muster.worker.web.context import PastOverrides, SilenceStore
    from muster.worker.web.lookups import IncidentListing, IncidentLookups
    from muster.worker.web.replays import SeenSignatures

T = TypeVar("T")


def on_first_use(build: Callable[[], T]) -> T:
    """What ``build()`` returns, built when first used (an attribute read or a call): a stand-in
    that forwards to it, so a :class:`~muster.worker.web.context.WebContext` can hold its
    database adapters before any is made."""
    return cast(T, _OnFirstUse(build))


class _OnFirstUse:
    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._built: Any = None
        self._lock = threading.Lock()

    def _target(self) -> Any:
        if self._built is None:
            with self._lock:  # requests run on several threads: one builds, the others wait
                if self._built is None:
                    self._built = self._build()
        return self._built

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._target()(*args, **kwargs)


def database_errors() -> tuple[type[Exception], ...]:
    """SQLAlchemy's errors, for an ``except`` around a database read: none before SQLAlchemy is
    imported (nothing that was never loaded can have been raised, and importing it to compare
    would load it in every web process)."""
    errors = sys.modules.get("sqlalchemy.exc")
    return () if errors is None else (errors.SQLAlchemyError,)


class WebDatabase:
    """The web's two engines on ``settings``' database — one that cannot write, for every read,
    and one for the few tables the web writes — and the adapters on them, each made once, when
    first used."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engines: dict[bool, Engine] = {}
        self._lock = threading.Lock()

    def engine(self, *, read_only: bool = True) -> Engine:
        """The read-only engine (or, ``read_only=False``, the writer)."""
        with self._lock:
            if read_only not in self._engines:
                from muster.worker.store.db import database_url, make_engine  # noqa: PLC0415

                url = database_url(self.settings)
                self._engines[read_only] = make_engine(url, read_only=read_only)
            return self._engines[read_only]

    def incidents(self) -> IncidentLookups:
        """Incidents' states and a person's open pages (Acknowledge links, SMS replies)."""

        def build() -> IncidentLookups:
            from muster.worker.store.db import Database  # noqa: PLC0415
            from muster.worker.web.database_reads import DatabaseLookups  # noqa: PLC0415

            return DatabaseLookups(Database(self.engine()))

        return on_first_use(build)

    def listing(self) -> IncidentListing:
        """The incidents ``GET /v1/incidents`` lists."""

        def build() -> IncidentListing:
            from muster.worker.store.db import Database  # noqa: PLC0415
            from muster.worker.web.database_reads import database_listing  # noqa: PLC0415

            return database_listing(Database(self.engine()))

        return on_first_use(build)

    def seen(self) -> SeenSignatures:
        """The signed requests every web process accepted (written)."""

        def build() -> SeenSignatures:
            from muster.worker.store.seen_signatures import DatabaseSeenSignatures  # noqa: PLC0415

            return DatabaseSeenSignatures(self.engine(read_only=False))

        return on_first_use(build)

    def reply_guard(self) -> Guard:
        """Wrong SMS reply codes and lockouts, shared by every web process (written)."""

        def build() -> Guard:
            from muster.worker.store.db import Database  # noqa: PLC0415
            from muster.worker.store.reply_guard import DatabaseReplyGuard  # noqa: PLC0415

            return DatabaseReplyGuard(Database(self.engine(read_only=False)))

        return on_first_use(build)

    def silences(self) -> SilenceStore:
        """Where ``/v1/silences`` adds, lists and expires silences (written)."""

        def build() -> SilenceStore:
            from muster.worker.store.db import Database  # noqa: PLC0415
            from muster.worker.store.silences import DatabaseSilences  # noqa: PLC0415

            return DatabaseSilences(Database(self.engine(read_only=False)))

        return on_first_use(build)

    def past_overrides(self) -> PastOverrides:
        """The overrides pruned from the overrides file (read-only)."""

        def read(since: datetime) -> list[Override]:
            from sqlalchemy.orm import Session  # noqa: PLC0415

            from muster.worker.store.override_history import past_overrides  # noqa: PLC0415

            with Session(self.engine()) as session:
                return past_overrides(session, since)

        return read

    def keeper(self) -> Keeper:
        """The last good config the worker kept, read when asked for; the web keeps none (the
        config source offers each good load: the worker's keeper writes it)."""
        return _KeptReader(self)


class _KeptReader:
    def __init__(self, database: WebDatabase) -> None:
        self.database = database

    def keep(self, text: str, source: str, overrides: OverridesText | None = None) -> None:
        return None

    def last_good(self) -> KeptConfig | None:
        from muster.worker.store.good_config import DatabaseKeeper  # noqa: PLC0415

        return DatabaseKeeper(self.database.engine(), writes=False).last_good()
