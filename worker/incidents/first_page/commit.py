"""A declaration's first commit (the incident, its open fingerprint, its first page) in as few
round trips as the database allows.

The first page may not leave before its row is committed (that is what lets it survive a crash),
so every round trip of this commit is added to how soon the first person hears. On PostgreSQL
the three writes are one statement (data-modifying CTEs) run in autocommit: one round trip with
the commit in it, where a transaction costs four (BEGIN, two INSERTs, COMMIT). PostgreSQL runs
such a statement atomically, checks foreign keys at its end, and fails it whole on any unique
key, so the handler sees the same ``IntegrityError`` either way. SQLite is a local file with no
round trips to save: it gets the plain transaction (as does a declaration with no first page).

Storm control adds nothing to a top-severity first page (it bypasses the limits) nor to a page
by an unlimited kind. Any other first page first takes its place in its window with one
conditional upsert (:func:`_admit`, the rule of :func:`muster.worker.core.decisions.storm.admit`
for a
window holding nothing): admitted, the one statement follows; refused (the window is full or
holds pages for its digest), the plain transaction decides under the window's lock and holds it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, TextClause, bindparam, case, insert, or_, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster.worker.core.config.limits import Limit
from muster.worker.core.paging.routing import Routing
from muster.worker.deliveries.rows import NewDelivery, insert_new
from muster.worker.deliveries.storm import counted, hold_over_limits, note_held
from muster.worker.holds.declaration import write_held
from muster.worker.store.db import Database
from muster.worker.store.models import DELIVERIES, Incident, IncidentAlias, OpenFingerprint
from muster.worker.store.upkeep_models import PAGE_WINDOWS

INCIDENTS = cast(Table, Incident.__table__)
OPEN_FINGERPRINTS = cast(Table, OpenFingerprint.__table__)


def write_first_commit(
    database: Database,
    incident: dict[str, Any],
    rows: list[NewDelivery],
    routing: Routing,
    now: datetime,
    bypass: bool = False,
    held: dict[str, Any] | None = None,
) -> list[NewDelivery] | None:
    """Insert the incident (its column values), hold its fingerprint if it has one, and insert
    ``rows`` (fresh keys), those over their limits held (unless ``bypass``: a top-severity
    first page); returns the rows with their ids. Commits.

    ``held``: the row of the maintenance window (or silence) holding the declaration, written
    with it (its ``rows`` are then none: a held declaration pages nobody).

    None, with nothing written, when the incident's id is already an alias of another incident
    (a redelivered declaration that joined one by fingerprint); an ``IntegrityError`` when the
    incident or the fingerprint is already stored.
    """
    limits = routing.config.limits
    limited = [] if bypass else [row for row in rows if counted(limits, row)]
    if rows and database.engine.dialect.name == "postgresql":
        if not limited:
            return _one_statement(database, incident, rows)
        if len(limited) == 1:
            row = limited[0]
            limit = limits.for_page(row.person, row.kind)
            opened = _admit(database, row, limit, now) if limit is not None else None
            if opened is not None:
                try:
                    return _one_statement(database, incident, rows)
                except IntegrityError:
                    _give_back(database, row, opened)
                    raise
    with database.transaction() as session:
        if incident.get("fingerprint") and session.get(IncidentAlias, incident["id"]):
            return None
        _incident(session, incident)
        if held is not None:
            write_held(session, held)
        over = hold_over_limits(session, routing, limited, now)
        written = insert_new(session, rows, known_new=True)
        note_held(session, routing, over, now)
        return written


def _admit(database: Database, row: NewDelivery, limit: Limit, now: datetime) -> datetime | None:
    """Count ``row`` in its window if the window holds nothing and has room (or is closed: it
    opens anew), in one statement; the window's opening time if so, None if the page must be
    decided under the window's lock."""
    window = PAGE_WINDOWS.c
    closed = or_(window.closes_at.is_(None), window.closes_at <= now)
    upsert = postgresql_insert(PAGE_WINDOWS).values(
        person=row.person,
        kind=row.kind,
        opened_at=now,
        closes_at=now + limit.per,
        sent=1,
        held=0,
        updated_at=now,
    )
    statement = upsert.on_conflict_do_update(
        index_elements=[window.person, window.kind],
        set_={
            "opened_at": case((closed, now), else_=window.opened_at),
            "closes_at": case((closed, now + limit.per), else_=window.closes_at),
            "sent": case((closed, 1), else_=window.sent + 1),
            "updated_at": now,
        },
        where=(window.held == 0) & (closed | (window.sent < limit.max)),
    ).returning(window.opened_at)
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        opened: datetime | None = connection.execute(statement).scalar()
    return opened


def _give_back(database: Database, row: NewDelivery, opened: datetime) -> None:
    """Uncount a page admitted by :func:`_admit` whose commit then failed (a redelivered
    declaration), if its window is still the one it was counted in."""
    window = PAGE_WINDOWS.c
    with database.transaction() as session:
        session.execute(
            update(PAGE_WINDOWS)
            .where(
                window.person == row.person,
                window.kind == row.kind,
                window.opened_at == opened,
                window.sent > 0,
            )
            .values(sent=window.sent - 1)
        )


def _incident(session: Session, incident: dict[str, Any]) -> None:
    session.execute(insert(INCIDENTS).values(**incident))
    if incident.get("fingerprint"):
        session.execute(
            insert(OPEN_FINGERPRINTS).values(
                fingerprint=incident["fingerprint"], incident_id=incident["id"]
            )
        )


def _one_statement(
    database: Database, incident: dict[str, Any], rows: list[NewDelivery]
) -> list[NewDelivery]:
    statement = _statement(tuple(incident), len(rows), bool(incident.get("fingerprint")))
    params = {f"i_{name}": value for name, value in incident.items()}
    for n, row in enumerate(rows):
        params.update((f"d{n}_{name}", value) for name, value in row.values().items())
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        ids = {key: delivery_id for delivery_id, key in connection.execute(statement, params)}
    for row in rows:
        row.id = ids[row.key]
    return rows


@cache
def _statement(columns: tuple[str, ...], deliveries: int, fingerprint: bool) -> TextClause:
    """The one statement for an incident's ``columns`` and a first page of ``deliveries`` rows,
    written once per shape (the names are the tables' own: nothing from a message).

    Plain SQL with typed parameters: SQLAlchemy cannot cache the compiled form of DML in CTEs,
    and compiling it anew for every declaration costs about what the round trips it saves do.
    """
    incident_columns = [INCIDENTS.c[name] for name in columns]
    delivery_columns = [DELIVERIES.c[name] for name in NewDelivery.columns()]
    names = ", ".join(c.name for c in incident_columns)
    values = ", ".join(f":i_{c.name}" for c in incident_columns)
    # A redelivered declaration that joined another incident (whose id is now an alias) writes
    # no incident: its pages then fail their foreign key, and the handler finds the alias as it
    # finds any other conflict.
    guard = (
        " WHERE NOT EXISTS (SELECT 1 FROM incident_aliases WHERE alias = :i_id)"
        if fingerprint
        else ""
    )
    sql = [f"WITH new_incident AS (INSERT INTO incidents ({names}) SELECT {values}{guard})"]
    if fingerprint:
        sql.append(
            ", new_fingerprint AS (INSERT INTO open_fingerprints (fingerprint, incident_id)"
            " VALUES (:i_fingerprint, :i_id))"
        )
    rows = ", ".join(
        "(" + ", ".join(f":d{n}_{c.name}" for c in delivery_columns) + ")"
        for n in range(deliveries)
    )
    targets = ", ".join(c.name for c in delivery_columns)
    # Table and column names only; every value is a bound parameter.
    sql.append(f" INSERT INTO deliveries ({targets}) VALUES {rows} RETURNING id, key")  # noqa: S608
    binds = [bindparam(f"i_{c.name}", type_=c.type) for c in incident_columns] + [
        bindparam(f"d{n}_{c.name}", type_=c.type)
        for n in range(deliveries)
        for c in delivery_columns
    ]
    return text("".join(sql)).bindparams(*binds)
