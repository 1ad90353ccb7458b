"""The shifted-clock run shifts what it says: this process and every process a test starts agree
on the shifted time, wherever they run (``make test-shifted``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.harness.muster_processes import worker_environment

pytestmark = pytest.mark.wallclock


def test_a_started_process_shares_the_test_runs_clock(tmp_path: Path) -> None:
    """A child started the way the harness starts a worker (its own environment, another working
    folder) reads the same wall clock as the test run, shifted or not."""
    env = worker_environment(tmp_path, tmp_path / "routing.yaml", None, "sqlite://", "q")
    before = time.time()
    child = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    after = time.time()
    # A minute of slack: the machine's clock may be stepped while the run goes (a shifted parent
    # ticks from its start, a new child from now), and the shift this guards is a week.
    assert before - 60 <= float(child.stdout) <= after + 60


def test_the_clock_is_shifted_when_asked() -> None:
    """Under TEST_CLOCK_SHIFT, the wall clock is off the real one by the offset it was given."""
    offset = os.environ.get("TEST_CLOCK_OFFSET_SECONDS")
    if os.environ.get("TEST_CLOCK_SHIFT") is None:
        assert offset is None
        return
    import time_machine  # noqa: PLC0415 - only the shifted run has the traveller started

    real = time_machine.escape_hatch.time.time()
    assert offset is not None
    assert abs(time.time() - real - float(offset)) < 60
