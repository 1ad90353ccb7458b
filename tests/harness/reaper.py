"""End a test's process group when the test run dies, however it dies.

A worker or beat left running after pytest is killed keeps consuming its queue and makes the
next run lie. Each process group a test starts gets a reaper: a small process of its own that
waits for the test run to go away and then kills the whole group; once the test ends the group
itself, the reaper sees it gone and exits.

``PR_SET_PDEATHSIG`` alone would not do: it fires when the spawning *thread* ends, and it reaches
only the direct child, not the beat and pool processes a worker starts.

Under pytest-xdist the test runs in a worker process whose parent is the run's controller; a
killed controller leaves its workers running the current test to its end, so the reaper watches
the controller too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

POLL_SECONDS = 0.1


def guard(pgid: int) -> subprocess.Popen[bytes]:
    """Start a reaper that kills process group ``pgid`` once this process is gone."""
    controller = [str(os.getppid())] if os.environ.get("PYTEST_XDIST_WORKER") else []
    return subprocess.Popen(
        [sys.executable, "-S", __file__, str(os.getpid()), str(pgid), *controller],
        start_new_session=True,  # not in the test run's group: a kill of that spares it
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` is left."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _parent(pid: int) -> int | None:
    """``pid``'s parent, from ``/proc`` (a dead process's zombie would still take signals)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rpartition(")")[2].split()[1])


def _watch(test_run: int, pgid: int, controller: int | None) -> None:
    while group_alive(pgid):
        orphaned = os.getppid() != test_run  # the test run is gone
        if orphaned or (controller is not None and _parent(test_run) != controller):
            os.killpg(pgid, signal.SIGKILL)
            return
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    _watch(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else None)
