"""The incident as the core sees it: the facts a declaration carries, independent of transport.

The message contract (validation of what producers send) is an adapter concern; this is the
already-validated shape that planning and rendering read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

INVESTIGATING = "investigating"  # the state every incident is declared in (the contract's first)


@dataclass(frozen=True)
class Incident:
    """What was declared: title, impact and urgency, impacted services, and the links to act on."""

    id: str
    title: str
    impact: str
    urgency: str
    services: tuple[str, ...]
    summary: str = ""
    source: str | None = None
    declared_at: datetime | None = None
    customer_reports: tuple[str, ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
