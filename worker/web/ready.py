"""Readiness: can muster page right now? The broker takes messages, the database answers, and a
worker and a beat were seen recently.

``/readyz`` asks a :class:`Readiness`; its probes are plain callables, so route tests stub them
and :func:`probes` builds the real ones: a short broker connection (kombu, a timeout of
:data:`TIMEOUT`), ``SELECT 1`` and the freshest liveness row of each kind
(:mod:`muster.worker.store.processes`) on a read-only engine — the web reads the database,
it never writes it. The broker and the database are asked at once, and an answer later than
:data:`TIMEOUT` counts as none, so a probe answers within about two seconds whatever hangs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from kombu.connection import Connection

from muster.config.settings import Settings
from muster.worker.broker.transport import broker_url, transport_options
from muster.worker.store.process_kinds import BEAT, KINDS, WORKER
from muster.worker.web.database import WebDatabase

if TYPE_CHECKING:
    from sqlalchemy import Engine

TIMEOUT = 2.0  # seconds: the broker's connection, the database's statements, the whole probe


@dataclass(frozen=True)
class Check:
    """One condition of readiness: its name, whether it holds, and what was found."""

    name: str
    ok: bool
    detail: str


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Readiness:
    """The checks ``/readyz`` reports, each probe a callable that raises when it fails.

    ``broker`` connects to the broker; ``database`` runs ``SELECT 1``; ``last_seen`` says when a
    process of each kind last wrote its liveness row. A worker and a beat must each have been
    seen within ``within``.
    """

    broker: Callable[[], None]
    database: Callable[[], None]
    last_seen: Callable[[], dict[str, datetime]]
    within: timedelta = timedelta(seconds=30)
    timeout: float = TIMEOUT
    now: Callable[[], datetime] = _utc_now
    config: Callable[[], str] | None = None  # which config is served (never fails readiness)
    # What the probes need made first, outside their timeout: the web's database engine, whose
    # import (SQLAlchemy, on the first probe: muster.worker.web.database) is no database's
    # slowness.
    prepare: Callable[[], object] | None = None
    _threads: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="muster-ready")
    )

    def __call__(self) -> list[Check]:
        """Every check, broker first; the database's and the liveness's asked concurrently."""
        if self.prepare is not None:
            with suppress(Exception):  # a failure is the database check's to report
                self.prepare()
        started = time.monotonic()
        broker = self._threads.submit(_timed, self.broker)
        database = self._threads.submit(self._database)
        broker_check = self._answer(broker, started, "broker", "reachable")
        try:
            seen = database.result(timeout=self._left(started))
        except FutureTimeout:
            seen = self._unread(f"no answer within {self.timeout:g} s")
        return [broker_check, *seen, *self._config()]

    def _config(self) -> list[Check]:
        """Which config pages: a rejected file still pages (with the last good config), so
        this check holds either way; its detail says which."""
        if self.config is None:
            return []
        try:
            return [Check("config", True, self.config())]
        except Exception as failure:  # noqa: BLE001 - a report, never a failed probe
            return [Check("config", True, f"unknown ({type(failure).__name__})")]

    def _database(self) -> list[Check]:
        try:
            elapsed = _timed(self.database)
        except Exception as failure:  # noqa: BLE001 - any failure is a failing check
            return self._unread(f"unavailable ({type(failure).__name__})")
        checks = [Check("database", True, f"answered in {elapsed * 1000:.0f} ms")]
        try:
            seen = self.last_seen()
        except Exception as failure:  # noqa: BLE001 - the schema may be older than this web
            reason = f"liveness unreadable ({type(failure).__name__})"
            return checks + [Check(kind, False, reason) for kind in KINDS]
        now = self.now()
        return checks + [self._seen(kind, seen.get(kind), now) for kind in (WORKER, BEAT)]

    def _seen(self, kind: str, at: datetime | None, now: datetime) -> Check:
        within = self.within.total_seconds()
        if at is None:
            return Check(kind, False, f"no {kind} seen within {within:g} s")
        age = (now - at).total_seconds()
        if age > within:
            return Check(kind, False, f"no {kind} seen within {within:g} s (last {age:.0f} s ago)")
        return Check(kind, True, f"seen {max(age, 0):.1f} s ago")

    def _unread(self, reason: str) -> list[Check]:
        return [
            Check("database", False, reason),
            *(Check(kind, False, "unknown: the database did not answer") for kind in KINDS),
        ]

    def _answer(self, future: Future[float], started: float, name: str, ok: str) -> Check:
        try:
            elapsed = future.result(timeout=self._left(started))
        except FutureTimeout:
            return Check(name, False, f"no answer within {self.timeout:g} s")
        except Exception as failure:  # noqa: BLE001 - any failure is a failing check
            return Check(name, False, f"unreachable ({type(failure).__name__})")
        return Check(name, True, f"{ok} in {elapsed * 1000:.0f} ms")

    def _left(self, started: float) -> float:
        return max(self.timeout - (time.monotonic() - started), 0.0)


def _timed(probe: Callable[[], Any]) -> float:
    started = time.monotonic()
    probe()
    return time.monotonic() - started


def broker_probe(settings: Settings) -> Callable[[], None]:
    """Connect to the configured broker once, within :data:`TIMEOUT`, and let go."""
    url = broker_url(settings)
    options = transport_options(url, settings)
    options.update(socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)

    def probe() -> None:
        with Connection(url, transport_options=options, connect_timeout=TIMEOUT) as connection:
            # One try, no waiting between tries: the probe's caller decides how often to ask.
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=TIMEOUT
            )

    return probe


def probes(
    settings: Settings,
    engine: Callable[[], Engine] | None = None,
    config: Callable[[], str] | None = None,
) -> Readiness:
    """The readiness the deployed web process reports, on a read-only database engine (the
    web's own, made when first asked for, or one made here), with ``config`` saying which
    config is served."""
    reader = engine or WebDatabase(settings).engine

    def ping_database() -> None:
        from muster.worker.store.processes import ping  # noqa: PLC0415 - SQLAlchemy when asked

        ping(reader())

    def seen() -> dict[str, datetime]:
        from muster.worker.store.processes import last_seen  # noqa: PLC0415

        return last_seen(reader())

    return Readiness(
        broker=broker_probe(settings),
        database=ping_database,
        last_seen=seen,
        within=timedelta(seconds=settings.ready_within),
        config=config,
        prepare=reader,
    )
