"""What the web process reads of the database (never writes): an incident's state, the open
incidents a person was paged for, and the incidents of a person's digest. Ack links and SMS
reply codes of a resolved incident no longer act, and a reply code is matched among the
replier's own open pages.

The protocols the routes read through; their implementations on the database are
:mod:`muster.worker.web.database_reads`, imported when a route first reads (issue 19).
"""

from __future__ import annotations

from typing import Protocol

from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.incident_list import OpenIncident
from muster.worker.store.wanted import Wanted


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


class IncidentListing(Protocol):
    """The incidents ``GET /v1/incidents`` lists (the CLI's ``muster incidents`` reads the same)."""

    def __call__(self, routing: Routing, wanted: Wanted) -> list[OpenIncident]: ...
