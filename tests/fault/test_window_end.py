"""A maintenance window's end with two real beats, one killed with ``kill -9`` at the end
instant: every incident the window held still pages, and each person gets one digest by each
kind, once.

Two real ``muster beat`` processes send scans every 0.2 s through a real broker to a worker
whose clock the test moves; two SEV2s on payments-api are declared at noon inside a window that
ends at 13:00 (tests/harness/window_stack.py). Both beats scan 12:59; the clock is set to 13:00
and the first beat's whole group is killed at once, before anything scans that instant; the
survivor alone scans it. The release is claimed by a conditional update in the transaction that
writes its pages, so the scans of both beats before the kill, and the survivor's after it,
release each incident once.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest

from tests.harness.clocked import clocked_worker
from tests.harness.fault_report import FaultRow
from tests.harness.muster_processes import launched_beats, worker_environment
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.harness.servers import BROKERS, broker_url, scratch_database
from tests.harness.waiting import wait_until
from tests.harness.window_stack import (
    END,
    PAGED,
    Peers,
    declare_two_held,
    digests_by_person,
    failover_config,
    rows,
)

pytestmark = [pytest.mark.integration, pytest.mark.fault]

SCAN_EVERY = 0.2  # each beat's scan interval, real seconds (MUSTER_SCAN_EVERY)


@pytest.mark.parametrize("kind", BROKERS)
def test_kill_9_of_one_of_two_beats_at_a_windows_end_pages_each_person_once(
    kind: str, tmp_path: Path, fault_report: list[FaultRow]
) -> None:
    with ExitStack() as cleanup:
        url = broker_url(kind, tmp_path)
        database = cleanup.enter_context(  # PostgreSQL: SKIP LOCKED between the scans
            scratch_database("sqlite" if kind == "embedded" else "postgresql", tmp_path)
        )
        peers = Peers(
            cleanup.enter_context(SmtpPeer()),
            cleanup.enter_context(MattermostPeer()),
            cleanup.enter_context(SmsPeer()),
        )
        config = tmp_path / "routing.yaml"
        failover_config(config, peers)
        worker = cleanup.enter_context(clocked_worker(url, tmp_path))
        cleanup.enter_context(worker.stage(config, database))
        env = worker_environment(
            tmp_path, config, url, database, worker.queue, MUSTER_SCAN_EVERY=str(SCAN_EVERY)
        )
        beats = launched_beats(cleanup, tmp_path, env)
        declare_two_held(worker)
        wait_until(worker.settled)

        worker.move_to(END - timedelta(minutes=1))
        wait_until(lambda: worker.scanned({beat.origin for beat in beats}))
        assert peers.pages() == []

        worker.move_to(END)
        beats[0].kill()
        killed_at = time.monotonic()
        wait_until(lambda: worker.scanned({beats[1].origin}))
        wait_until(lambda: worker.settled() and len(peers.pages()) >= len(PAGED))
        recovered = time.monotonic() - killed_at
        time.sleep(3 * SCAN_EVERY)  # more scans of the end instant: nothing more
        wait_until(worker.settled)

        digests = digests_by_person(worker)
        fault_report.append(
            FaultRow(
                scenario=f"beat kill -9 (1 of 2) at a maintenance window's end, {kind}",
                kills=1,
                expected=len(PAGED),
                delivered=len(set(digests) & PAGED),
                duplicated=sum(digests.values()) - len(digests),
                in_flight=None,
                lost=len(PAGED - set(digests)),
                recovered_s=recovered,
            )
        )
        assert digests == dict.fromkeys(PAGED, 1)
        assert len(peers.pages()) == len(PAGED)
        assert all(d.status == "digested" for d in rows(worker, purpose="page"))
