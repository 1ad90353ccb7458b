"""A declaration's first commit (the incident, its open fingerprint, its first page) in as few
round trips as the database allows.

The first page may not leave before its row is committed (that is what lets it survive a crash),
so every round trip of this commit is added to how soon the first person hears. On PostgreSQL
the three writes are one statement (data-modifying CTEs) run in autocommit: one round trip with
the commit in it, where a transaction costs four (BEGIN, two INSERTs, COMMIT). PostgreSQL runs
such a statement atomically, checks foreign keys at its end, and fails it whole on any unique
key, so the handler sees the same ``IntegrityError`` either way. SQLite is a local file with no
round trips to save: it gets the plain transaction (as does a declaration with no first page).
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import Table, TextClause, bindparam, insert, text
from sqlalchemy.orm import Session

from muster.worker.deliveries.rows import NewDelivery, insert_new
from muster.worker.store.db import Database
from muster.worker.store.models import DELIVERIES, Incident, IncidentAlias, OpenFingerprint

INCIDENTS = cast(Table, Incident.__table__)
OPEN_FINGERPRINTS = cast(Table, OpenFingerprint.__table__)


def write_first_commit(
    database: Database, incident: dict[str, Any], rows: list[NewDelivery]
) -> list[NewDelivery] | None:
    """Insert the incident (its column values), hold its fingerprint if it has one, and insert
    ``rows`` (fresh keys); returns the rows with their ids. Commits.

    None, with nothing written, when the incident's id is already an alias of another incident
    (a redelivered declaration that joined one by fingerprint); an ``IntegrityError`` when the
    incident or the fingerprint is already stored.
    """
    if rows and database.engine.dialect.name == "postgresql":
        return _one_statement(database, incident, rows)
    with database.transaction() as session:
        if incident.get("fingerprint") and session.get(IncidentAlias, incident["id"]):
            return None
        _incident(session, incident)
        return insert_new(session, rows, known_new=True)


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
