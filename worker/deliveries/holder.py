"""Who holds a claimed delivery, and how every other worker learns at once that it died.

A lease lets a dead worker's pages wait until it runs out, and a shorter one would take a slow
send from a live worker. PostgreSQL knows sooner: each worker process holds a session advisory
lock (class :data:`NAMESPACE`, a random key) on a connection of its own for as long as it lives,
and when the process is killed the kernel closes that socket and PostgreSQL releases the lock
within milliseconds. A claim records its holder's key in ``deliveries.holder``, and
:func:`taken_over` counts a delivery whose holder's lock is held nowhere as free, its lease
notwithstanding: the sweeper's next pass (every second) and any claim hand it on at once.

The lease alone still decides on SQLite (one host, no such locks), for rows written already
claimed (a declaration's first page), whenever the lock cannot be taken, and for a send stuck in
a live worker. A claim records a key only while its lock is held (checked in the same
statement), so after a database restart cost a worker its lock its new claims fall back to the
lease until the lease keeper, checking each round, takes a new one. A live worker whose lock
connection is cut counts as dead: a page it is sending then may go out twice, never lost.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from contextlib import suppress
from datetime import datetime

import structlog
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    case,
    column,
    create_engine,
    exists,
    func,
    literal,
    select,
    table,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from muster.worker.runtime import Runtime
from muster.worker.store.models import DELIVERIES

log = structlog.get_logger("muster.delivery")

NAMESPACE = 0x6D75  # the advisory locks' first key ("mu"): muster's holders, nothing else
_TRIES = 5  # random keys tried before giving up (another live process holding one is rare)

_PG_LOCKS = table(
    "pg_locks",
    column("locktype"),
    column("database"),
    column("classid"),
    column("objid"),
    column("objsubid"),
    column("granted"),
)
_PG_DATABASE = table("pg_database", column("oid"), column("datname"))


def held(key: ColumnElement[int | None]) -> ColumnElement[bool]:
    """Whether some session of this database holds muster's advisory lock ``key`` now."""
    this_database = (
        select(_PG_DATABASE.c.oid)
        .where(_PG_DATABASE.c.datname == func.current_database())
        .scalar_subquery()
    )
    return exists().where(
        _PG_LOCKS.c.locktype == "advisory",
        _PG_LOCKS.c.database == this_database,
        _PG_LOCKS.c.classid == NAMESPACE,
        _PG_LOCKS.c.objid == key,
        _PG_LOCKS.c.objsubid == 2,  # the two-key form: pg_try_advisory_lock(int, int)
        _PG_LOCKS.c.granted,
    )


def taken_over(dialect: str, now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """A ``sending`` delivery another worker may take: its lease ran out, or (PostgreSQL) the
    process that claimed it holds its lock no more. ``now`` may be a bound parameter, for a
    statement built once."""
    lapsed = DELIVERIES.c.lease_until < now
    if dialect != "postgresql":
        return lapsed
    return lapsed | (DELIVERIES.c.holder.is_not(None) & ~held(DELIVERIES.c.holder))


def claimed_by(
    dialect: str, key: int | ColumnElement[int | None] | None
) -> ColumnElement[int | None]:
    """The ``holder`` a claim records: ``key`` if its lock is held as the claim runs, else
    null (the lease decides). ``key`` may be a bound parameter, for a statement built once."""
    if dialect != "postgresql" or key is None:
        return literal(None, DELIVERIES.c.holder.type)
    bound: ColumnElement[int | None] = (
        literal(key, DELIVERIES.c.holder.type) if isinstance(key, int) else key
    )
    return case((held(bound), bound), else_=None)


class Holder:
    """This process's advisory lock: taken at its first claim, kept until the process ends."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.key: int | None = None
        self._connection: Connection | None = None
        self._locks: Engine | None = None
        self._mutex = threading.Lock()

    def current(self) -> int | None:
        """This process's key, its lock taken first if it holds none; None where there are no
        such locks or the lock cannot be taken."""
        if self.engine.dialect.name != "postgresql":
            return None
        with self._mutex:
            if self._connection is None:
                self._take()
            return self.key

    def check(self) -> None:
        """Make sure the lock's connection still lives; if it was cut, let the lock go (the
        next claim takes a new one)."""
        with self._mutex:
            if self._connection is None:
                return
            try:
                self._connection.execute(text("SELECT 1"))
                self._connection.commit()
            except SQLAlchemyError as failure:
                log.warning("delivery.holder_lock_lost", error=type(failure).__name__)
                self._drop()

    def close(self) -> None:
        """Let the lock go (the process is done claiming)."""
        with self._mutex:
            self._drop()
            if self._locks is not None:
                self._locks.dispose()
                self._locks = None

    def _take(self) -> None:
        try:
            if self._locks is None:  # a connection of its own, outside the pool
                self._locks = create_engine(self.engine.url, poolclass=NullPool)
            connection = self._locks.connect()
            for _ in range(_TRIES):
                key = secrets.randbelow(2**31 - 2) + 1
                if connection.scalar(select(func.pg_try_advisory_lock(NAMESPACE, key))):
                    connection.commit()  # idle, not idle in a transaction, while it holds
                    self._connection, self.key = connection, key
                    return
            connection.close()
        except SQLAlchemyError as failure:
            log.warning("delivery.holder_lock_unavailable", error=type(failure).__name__)
        self.key = None

    def _drop(self) -> None:
        connection, self._connection, self.key = self._connection, None, None
        if connection is not None:
            with suppress(SQLAlchemyError):  # already gone: so is its lock
                connection.close()


_holders: dict[int, Holder] = {}
_holders_lock = threading.Lock()


def holder(rt: Runtime) -> Holder:
    """The holder of ``rt`` (one per runtime: a worker process has one), its lock let go when
    the runtime is collected (tests make and drop many)."""
    with _holders_lock:
        found = _holders.get(id(rt))
        if found is None or found.engine is not rt.database.engine:
            found = _holders[id(rt)] = Holder(rt.database.engine)
            weakref.finalize(rt, _forget, id(rt), found)
        return found


def _forget(runtime_id: int, found: Holder) -> None:
    with _holders_lock:
        if _holders.get(runtime_id) is found:
            del _holders[runtime_id]
    found.close()
