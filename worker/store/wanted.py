"""Which incidents a listing wants (``muster incidents``, ``GET /v1/incidents``): apart from
:mod:`muster.worker.store.open_incidents`, which reads them, so the web can take a request's
filters without importing SQLAlchemy until it reads (issue 19, the web's memory)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Wanted:
    """Which incidents to list: open ones unless ``everything``; each filter when given."""

    everything: bool = False
    state: str | None = None
    severity: str | None = None
    service: str | None = None
    since: datetime | None = None
