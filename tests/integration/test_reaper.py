"""A test run that dies takes the process groups it started with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from tests.reaper import POLL_SECONDS, group_alive

# Plays a test run: starts a group (a leader with a child of its own, as a worker with its beat),
# guards it, prints the group's id and waits to be killed.
TEST_RUN = textwrap.dedent(
    """
    import subprocess, sys, time
    from tests.reaper import guard
    leader = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time; subprocess.Popen(['sleep', '600']); time.sleep(600)"],
        start_new_session=True,
    )
    guard(leader.pid)
    print(leader.pid, flush=True)
    time.sleep(600)
    """
)


def test_kill_9_of_the_test_run_ends_the_group_it_started() -> None:
    run = subprocess.Popen(
        [sys.executable, "-c", TEST_RUN], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    assert run.stdout is not None
    pgid = int(run.stdout.readline())
    try:
        time.sleep(3 * POLL_SECONDS)
        assert group_alive(pgid), "the group must live while the test run does"
        run.kill()
        run.wait(timeout=10)
        deadline = time.monotonic() + 10
        while group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not group_alive(pgid), "the test run died but its process group lives on"
    finally:
        if group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
