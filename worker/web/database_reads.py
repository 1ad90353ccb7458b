"""The web's reads of the worker's database (:mod:`muster.worker.web.lookups`' protocols), on
its read-only engine: imported when a route first reads, with SQLAlchemy and the table models
(:mod:`muster.worker.web.database`)."""

from __future__ import annotations

from sqlalchemy import select

from muster.worker.core.paging.deliveries import DeliveryPurpose
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.incident_list import OpenIncident
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident
from muster.worker.store.open_incidents import open_incidents
from muster.worker.store.reads import find_incident
from muster.worker.store.wanted import Wanted
from muster.worker.web.lookups import IncidentListing


class DatabaseLookups:
    """:class:`IncidentLookups` on the worker's database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def state(self, incident_id: str) -> str | None:
        with self.database.sessions() as session:
            row = find_incident(session, incident_id)
            return None if row is None else row.state

    def open_paged(self, person: str) -> list[str]:
        with self.database.sessions() as session:
            return list(
                session.scalars(
                    select(Incident.id)
                    .join(Delivery, Delivery.incident_id == Incident.id)
                    .where(
                        Delivery.person == person,
                        Delivery.purpose == DeliveryPurpose.PAGE,
                        Incident.state != "resolved",
                    )
                    .distinct()
                )
            )

    def digested(self, digest: str, person: str) -> dict[str, str]:
        with self.database.sessions() as session:
            rows = session.execute(
                select(Incident.id, Incident.state)
                .join(Delivery, Delivery.incident_id == Incident.id)
                .where(Delivery.digest == digest, Delivery.person == person)
                .distinct()
                .order_by(Incident.id)
            )
            return {str(incident): str(state) for incident, state in rows}


def database_listing(database: Database) -> IncidentListing:
    """:class:`IncidentListing` on the worker's database (read only)."""

    def listing(routing: Routing, wanted: Wanted) -> list[OpenIncident]:
        with database.sessions() as session:
            return open_incidents(session, routing, wanted)

    return listing
