"""The import report: one line per source resource saying what became of it.

Nothing is silently dropped: a resource that maps is ✅, one muster can only approximate is ⚠️
with what differs, one it cannot express is ❌ with why — the line a team reads before trusting
the generated config (as Grafana's own migrator reports, plan first).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum


class Outcome(Enum):
    """What became of a resource."""

    MAPPED = "✅"
    APPROXIMATED = "⚠️"
    DROPPED = "❌"


@dataclass(frozen=True)
class Skipped:
    """A resource a source's reader found but does not carry over: what, and why (a ❌ line)."""

    kind: str
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class Line:
    """One resource's outcome: what it was (``kind`` and ``name``) and what it became."""

    outcome: Outcome
    kind: str
    name: str
    text: str

    def __str__(self) -> str:
        return f"{self.outcome.value} {self.kind} {self.name}: {self.text}"


@dataclass
class Report:
    """Every line of an import, in the order the resources were translated."""

    source: str
    lines: list[Line] = field(default_factory=list)

    def mapped(self, kind: str, name: str, text: str) -> None:
        """``kind name`` became ``text`` with the same meaning."""
        self.lines.append(Line(Outcome.MAPPED, kind, name, text))

    def approximated(self, kind: str, name: str, text: str) -> None:
        """``kind name`` became something close; ``text`` says what differs."""
        self.lines.append(Line(Outcome.APPROXIMATED, kind, name, text))

    def dropped(self, kind: str, name: str, text: str) -> None:
        """``kind name`` was not carried over; ``text`` says why."""
        self.lines.append(Line(Outcome.DROPPED, kind, name, text))

    def count(self, outcome: Outcome) -> int:
        """How many lines have ``outcome``."""
        return sum(1 for line in self.lines if line.outcome is outcome)

    def summary(self) -> str:
        """The one-line tally that heads the report."""
        counts = Counter(line.outcome for line in self.lines)
        return (
            f"{self.source}: {len(self.lines)} lines - {counts[Outcome.MAPPED]} mapped,"
            f" {counts[Outcome.APPROXIMATED]} approximated,"
            f" {counts[Outcome.DROPPED]} not carried over"
        )

    def render(self) -> str:
        """The whole report as text: the tally, then each line."""
        return "\n".join([self.summary(), *(str(line) for line in self.lines)])
