"""The fault suite's fixtures and its report: one row per scenario, printed as a table at the end
of the run (:mod:`tests.harness.fault_report`)."""

from __future__ import annotations

import pytest

from tests.harness.fault_report import FaultRow, FaultRows, print_fault_table


@pytest.fixture
def fault_report(request: pytest.FixtureRequest) -> list[FaultRow]:
    """Append a :class:`FaultRow` to have it in the table."""
    return FaultRows(request.node)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    print_fault_table(terminalreporter)
