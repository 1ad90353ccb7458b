"""Incidents as the pure core takes them, shared by the rendering tests."""

from __future__ import annotations

from muster.worker.core.paging.incident import Incident

SEV1 = Incident(
    id="inc-1",
    title="Checkout @here failing",
    impact="critical",
    urgency="high",
    services=("payments-api",),
)
"""A SEV1 with the example config on payments-api, with a mention in its title that no
rendering may let through."""
