"""The fault suite's report: one row per scenario, printed as a table at the end of the run.

Each scenario asserts nothing missing and nothing extra, as Alertmanager's and GoAlert's
acceptance harnesses do; the table says how it went: pages expected, delivered, duplicated
(bounded by what was on the wire at each kill), lost, and the time to recover.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

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


PROPERTY = "fault_row"


class FaultRows(list[FaultRow]):
    """A scenario's rows, each also kept in its test's report: under pytest-xdist the test runs
    in a worker process and only its reports reach the process that prints the table."""

    def __init__(self, node: pytest.Item) -> None:
        super().__init__()
        self.node = node

    def append(self, row: FaultRow) -> None:
        super().append(row)
        self.node.user_properties.append((PROPERTY, astuple(row)))


def print_fault_table(terminalreporter: pytest.TerminalReporter) -> None:
    """The table of every scenario's row the run's reports carry (none: nothing printed)."""
    rows = [
        FaultRow(*value)
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if getattr(report, "when", None) == "call"
        for name, value in report.user_properties
        if name == PROPERTY
    ]
    if not rows:
        return
    table = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    terminalreporter.section("fault suite")
    for number, row in enumerate(table):
        terminalreporter.write_line(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        )
        if number == 0:
            terminalreporter.write_line("  ".join("-" * w for w in widths))
