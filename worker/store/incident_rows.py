"""The incident row and the core's :class:`~muster.worker.core.paging.incident.Incident`,
converted once each way.

The core plans and renders from what was declared; the row also holds what muster decided
(severity, plan, state) and keeps (fingerprint, impact statement, when it was fanned out).
Every part of the worker reads a stored incident through :func:`core_incident` and a
declaration writes one through :func:`incident_values`, so a field added to the incident is
added here once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muster.worker.core.paging.incident import INVESTIGATING
from muster.worker.core.paging.incident import Incident as CoreIncident
from muster.worker.store.models import Incident


def core_incident(row: Incident) -> CoreIncident:
    """The core's view of a stored incident."""
    return CoreIncident.of(row, row.id, row.declared_at)


def incident_values(
    incident: CoreIncident,
    *,
    fingerprint: str | None,
    severity: str,
    plan: dict[str, Any],
    declared_at: datetime,
    now: datetime,
) -> dict[str, Any]:
    """The row's column values for a declared ``incident``: investigating, its impact statement
    the declaration's summary (else its title), not yet fanned out (the declaration's second
    commit sets that)."""
    return {
        "id": incident.id,
        "fingerprint": fingerprint,
        "title": incident.title,
        "summary": incident.summary,
        "impact": incident.impact,
        "urgency": incident.urgency,
        "severity": severity,
        "services": list(incident.services),
        "source": incident.source,
        "customer_reports": list(incident.customer_reports),
        "links": dict(incident.links),
        "labels": dict(incident.labels),
        "state": INVESTIGATING,
        "impact_statement": incident.summary or incident.title,
        "plan": plan,
        "declared_at": declared_at,
        "updated_at": now,
        "fanned_out": False,
    }
