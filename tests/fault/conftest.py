"""The fault suite's report: one row per scenario, printed as a table at the end of the run.

Each scenario asserts nothing missing and nothing extra, as Alertmanager's and GoAlert's
acceptance harnesses do; the table says how it went: pages expected, delivered, duplicated
(bounded by what was on the wire at each kill), lost, and the time to recover.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

HEADER = (
    "scenario",
    "kills",
    "expected",
    "delivered",
    "duplicated",
    "in flight",
    "lost",
    "recovered in",
)


@dataclass(frozen=True, slots=True)
class FaultRow:
    """What one scenario measured."""

    scenario: str
    kills: int
    expected: int
    delivered: int
    duplicated: int
    in_flight: int | None  # None: not measured (a broker kill, not a worker kill)
    lost: int
    recovered_s: float

    @classmethod
    def measured(
        cls,
        scenario: str,
        expected: set[tuple[str, str]],
        posts: list[tuple[str, str]],
        recovered_s: float,
        kills: int = 1,
        in_flight: int | None = None,
    ) -> FaultRow:
        """The row for pages ``expected`` (incident, person) and the ``posts`` the peer got."""
        got = set(posts)
        return cls(
            scenario=scenario,
            kills=kills,
            expected=len(expected),
            delivered=len(got & expected),
            duplicated=len(posts) - len(got),
            in_flight=in_flight,
            lost=len(expected - got),
            recovered_s=recovered_s,
        )

    def cells(self) -> tuple[str, ...]:
        return (
            self.scenario,
            str(self.kills),
            str(self.expected),
            str(self.delivered),
            str(self.duplicated),
            "-" if self.in_flight is None else str(self.in_flight),
            str(self.lost),
            f"{self.recovered_s:.1f} s",
        )


ROWS: list[FaultRow] = []


@pytest.fixture
def fault_report() -> list[FaultRow]:
    """Append a :class:`FaultRow` to have it in the table."""
    return ROWS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    table = [HEADER, *(row.cells() for row in ROWS)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    terminalreporter.section("fault suite")
    for number, row in enumerate(table):
        terminalreporter.write_line(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        )
        if number == 0:
            terminalreporter.write_line("  ".join("-" * w for w in widths))
