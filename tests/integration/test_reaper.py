"""A test run that dies takes the process groups it started with it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.harness.reaper import POLL_SECONDS, group_alive

# Plays a test run: starts a group (a leader with a child of its own, as a worker with its beat),
# guards it, prints its own pid and the group's id and waits to be killed.
TEST_RUN = textwrap.dedent(
    """
    import os, subprocess, sys, time
    from tests.harness.reaper import guard
    leader = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time; subprocess.Popen(['sleep', '600']); time.sleep(600)"],
        start_new_session=True,
    )
    guard(leader.pid)
    print(os.getpid(), leader.pid, flush=True)
    time.sleep(600)
    """
)

# Plays pytest-xdist's controller: runs the test run as its worker gw0 and relays what it prints.
CONTROLLER = textwrap.dedent(
    f"""
    import os, subprocess, sys, time
    worker = subprocess.Popen(
        [sys.executable, "-c", {TEST_RUN!r}], stdout=subprocess.PIPE, text=True,
        env={{**os.environ, "PYTEST_XDIST_WORKER": "gw0"}},
    )
    print(worker.stdout.readline(), end="", flush=True)
    time.sleep(600)
    """
)


def running(pgid: int) -> list[int]:
    """The processes of group ``pgid`` not yet dead: zombies left for a parent that does not
    reap them (the test run of the xdist scenario sleeps on) do not count."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            state, _, group = stat.read_text().rpartition(")")[2].split()[:3]
            if int(group) == pgid and state != "Z":
                members.append(int(stat.parent.name))
    return members


def ended(pgid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while running(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not running(pgid)


def kill_9_ends_the_group(script: str) -> bool:
    """Run ``script`` (it prints the test run's pid and the group's id), ``kill -9`` it once the
    group runs, and say whether the group ended within 10 s."""
    killed = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    assert killed.stdout is not None
    test_run, pgid = map(int, killed.stdout.readline().split())
    try:
        time.sleep(3 * POLL_SECONDS)
        assert group_alive(pgid), "the group must live while the process killed here does"
        killed.kill()
        killed.wait(timeout=10)
        return ended(pgid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        if test_run != killed.pid:  # a test run the killed controller left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(test_run, signal.SIGKILL)


def test_kill_9_of_the_test_run_ends_the_group_it_started() -> None:
    assert kill_9_ends_the_group(TEST_RUN), "the test run died but its process group lives on"


def test_kill_9_of_the_xdist_controller_ends_the_group_its_worker_started() -> None:
    """A killed controller leaves its worker running the test to its end: the group must not
    wait for that."""
    assert kill_9_ends_the_group(CONTROLLER), "the controller died but its worker's group lives"
