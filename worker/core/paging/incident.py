"""The incident as the core sees it: the facts a declaration carries, independent of transport.

The message contract (validation of what producers send) is an adapter concern; this is the
already-validated shape that planning and rendering read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

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

    @classmethod
    def of(cls, declared: Declaration, incident_id: str, declared_at: datetime) -> Incident:
        """The incident ``declared`` describes (a declaration message, or the stored row): the
        one field-by-field copy into the core's shape."""
        return cls(
            id=incident_id,
            title=declared.title,
            impact=declared.impact,
            urgency=declared.urgency,
            services=tuple(declared.services),
            summary=declared.summary,
            source=declared.source,
            declared_at=declared_at,
            customer_reports=tuple(declared.customer_reports),
            links=dict(declared.links),
            labels=dict(declared.labels),
        )


class Declaration(Protocol):
    """What a declaration holds, by the same names in the contract's message and in the
    incident's row."""

    @property
    def title(self) -> str: ...
    @property
    def impact(self) -> str: ...
    @property
    def urgency(self) -> str: ...
    @property
    def services(self) -> Sequence[Any]: ...
    @property
    def summary(self) -> str: ...
    @property
    def source(self) -> str | None: ...
    @property
    def customer_reports(self) -> Sequence[Any]: ...
    @property
    def links(self) -> Mapping[str, Any]: ...
    @property
    def labels(self) -> Mapping[str, Any]: ...
