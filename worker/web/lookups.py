"""What the web process reads of the database (never writes): an incident's state, the open
incidents a person was paged for, and the incidents of a person's digest. Ack links and SMS
reply codes of a resolved incident no longer act, and a reply code is matched among the
replier's own open pages."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select

from muster.worker.core.paging.deliveries import DeliveryPurpose
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.incident_list import OpenIncident
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident
from muster.worker.store.open_incidents import Wanted, open_incidents
from muster.worker.store.reads import find_incident


class IncidentLookups(Protocol):
    """The reads the web needs (a stub in route tests)."""

    def state(self, incident_id: str) -> str | None:
        """The incident's state (``resolved``…), following an alias; None if unknown."""
        ...

    def open_paged(self, person: str) -> list[str]:
        """The ids of open incidents ``person`` was paged for."""
        ...

    def digested(self, digest: str, person: str) -> dict[str, str]:
        """Incident id → state, for each incident of ``person``'s digest ``digest``."""
        ...


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


class IncidentListing(Protocol):
    """The incidents ``GET /v1/incidents`` lists (the CLI's ``muster incidents`` reads the same)."""

    def __call__(self, routing: Routing, wanted: Wanted) -> list[OpenIncident]: ...


def database_listing(database: Database) -> IncidentListing:
    """:class:`IncidentListing` on the worker's database (read only)."""

    def listing(routing: Routing, wanted: Wanted) -> list[OpenIncident]:
        with database.sessions() as session:
            return open_incidents(session, routing, wanted)

    return listing
