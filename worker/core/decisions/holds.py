"""What holds an incident's pages at an instant: one type for planned windows and silences.

A :class:`Hold` is a scope and a span ``[starts, ends)``: an occurrence of a maintenance window
(:mod:`.windows`), or a silence added at run time (stored in the database, with its author and
expiry: the adapters turn each row into a hold). Both go through :func:`holding`, so a window and
a silence of the same scope hold exactly the same incidents; what differs is only where they
come from and how they end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from muster.worker.core.config.maintenance import KEEP, PAGE, Existing, HoldScope, OnEnd

HoldKind = Literal["window", "silence"]
WINDOW: HoldKind = "window"
SILENCE: HoldKind = "silence"


@dataclass(frozen=True, slots=True)
class Hold:
    """One span in which incidents in ``scope`` page nobody."""

    kind: HoldKind
    name: str  # the window's name, or the silence's id
    reason: str
    scope: HoldScope
    starts: datetime  # aware; held from this instant
    ends: datetime  # aware; no longer held from this instant
    existing: Existing = KEEP
    on_end: OnEnd = PAGE
    author: str | None = None  # who planned the window, or added the silence

    def active(self, at: datetime) -> bool:
        """Whether the span covers ``at`` (its start in, its end out)."""
        return self.starts <= at < self.ends


@dataclass(frozen=True, slots=True)
class Subject:
    """What a hold is matched against: an incident's services, severity and alert labels
    (none for a declaration that came from no alert)."""

    services: tuple[str, ...]
    severity: str
    labels: Mapping[str, str] = field(default_factory=dict)


def holding(holds: Iterable[Hold], subject: Subject, at: datetime) -> tuple[Hold, ...]:
    """The holds active at ``at`` whose scope covers ``subject``, the soonest to end first
    (empty: the incident pages as usual)."""
    found = [
        hold
        for hold in holds
        if hold.active(at)
        and hold.scope.covers(subject.services, dict(subject.labels), subject.severity)
    ]
    return tuple(sorted(found, key=lambda hold: (hold.ends, hold.kind, hold.name)))


def next_edge(holds: Iterable[Hold], after: datetime) -> datetime | None:
    """The first start or end of ``holds`` later than ``after``: when what is held next
    changes (None: never)."""
    edges = [edge for hold in holds for edge in (hold.starts, hold.ends) if edge > after]
    return min(edges, default=None)
