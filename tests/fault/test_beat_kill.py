"""Two real beats, one of them killed with ``kill -9`` mid-hour: every timer fires exactly once.

Beat is no single point of failure if two can run: the README says to run two, because the scan
takes due timers under row locks and moves each on in the same transaction as the pages it
decided, and every summary and reminder is keyed by its slot. This runs two real ``muster
beat`` processes (the Procfile's command, each in a process group of its own with a reaper),
sending scan tasks every 0.2 s through a real broker to a worker whose clock the test moves a
minute at a time through an hour. Each simulated minute waits until every live beat's scan has
run at that minute, so before the kill every instant is scanned at least twice; at minute 30 one
beat's whole group is killed with SIGKILL, and the survivor alone scans the rest of the hour.

What the hour must hold, exactly (ack within 5 min, summaries every 15 min, reminders every
20 min, each chain repeated 10 times): the commander's and the support lead's chains climb at
every fifth minute (12 steps each, alternating their manager and themselves), the SME's chain
(one level) steps 10 times and is exhausted at minute 50, four summaries and four stakeholder
updates, three reminders to the support lead — each once, nothing missing, nothing extra, in
the database and on the chat peer alike.
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.harness.clocked import ClockedWorker, Sent, clocked_worker
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.fault_configs import (
    COMMANDER,
    LEAD,
    MANAGER,
    SME,
    SUPPORT_MANAGER,
    timers_document,
)
from tests.harness.fault_report import FaultRow
from tests.harness.muster_processes import MusterBeat, launched_beats, worker_environment
from tests.harness.peers import MattermostPeer
from tests.harness.servers import BROKERS, broker_url, scratch_database
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.fault]

SCAN_EVERY = 0.2  # each beat's scan interval, real seconds (MUSTER_SCAN_EVERY)
MINUTES = 60
# Every timer here is due on a multiple of 5 minutes (escalation 5, summaries 15, reminders 20
# minutes), so the clock moves 5 minutes at a time: each due instant is still scanned exactly.
TICK = 5
KILL_AT = 30  # the simulated minute at which one beat is killed, before anything scans it
STEPS = range(5, MINUTES + 1, 5)  # ack_within 5m: the two-level chains step every 5 minutes
SME_STEPS = 10  # one level, repeated 10 times: exhausted after 10 steps
ROOMS = ("summaries", "stakeholders")


def expected_rows() -> list[tuple[str, str, str]]:
    """(purpose, reason, person or room) of every delivery the hour must make, each once."""

    def at(minute: int) -> str:
        return (WEDNESDAY_NOON + timedelta(minutes=minute)).isoformat()

    rows = [("page", "plan", person) for person in (COMMANDER, LEAD, SME)]
    for number, _ in enumerate(STEPS, start=1):
        up = number % 2 == 1  # odd steps reach the level above, even ones come back round
        rows.append(("page", f"escalation:commander:{number}", MANAGER if up else COMMANDER))
        rows.append(("page", f"escalation:support_lead:{number}", SUPPORT_MANAGER if up else LEAD))
    rows += [("page", f"escalation:sme:api:{number}", SME) for number in range(1, SME_STEPS + 1)]
    for minute in (15, 30, 45, 60):
        rows += [("broadcast", f"summary:{at(minute)}", room) for room in ROOMS]
    rows += [("reminder", f"reminder:{at(minute)}", LEAD) for minute in (20, 40, 60)]
    return sorted(rows)


def judged(rows: list[Sent]) -> list[tuple[str, str, str]]:
    return sorted((r.purpose, r.reason, r.person or r.kind) for r in rows)


@pytest.mark.parametrize("kind", BROKERS)
def test_kill_9_of_one_of_two_beats_mid_hour_fires_every_timer_once(
    kind: str, tmp_path: Path, fault_report: list[FaultRow]
) -> None:
    """An hour of controlled time with two real beats, one killed at minute 30: every
    escalation step, summary and reminder exactly once."""
    with ExitStack() as cleanup:
        url = broker_url(kind, tmp_path)
        database = cleanup.enter_context(  # PostgreSQL: SKIP LOCKED between the scans
            scratch_database("sqlite" if kind == "embedded" else "postgresql", tmp_path)
        )
        chat = cleanup.enter_context(MattermostPeer())
        config = tmp_path / "routing.yaml"
        document = timers_document(chat.url_template(), chat.room_url, "5m", "15m", "20m", 10)
        config.write_text(yaml.safe_dump(document))
        worker = cleanup.enter_context(clocked_worker(url, tmp_path))
        cleanup.enter_context(worker.stage(config, database))
        env = worker_environment(
            tmp_path, config, url, database, worker.queue, MUSTER_SCAN_EVERY=str(SCAN_EVERY)
        )
        beats = launched_beats(cleanup, tmp_path, env)
        incident = worker.client().declare(
            title="Checkout failing", impact="major", urgency="high", services=["api"]
        )
        wait_until(worker.settled)
        killed, recovered = _play_the_hour(worker, beats)

        expected = expected_rows()
        got = judged(worker.sent(incident))
        posts = Counter(m.destination for m in chat.messages)  # one incident: every post counts
        wanted = Counter(person for _, _, person in expected)
        fault_report.append(
            FaultRow(
                scenario=f"beat kill -9 (1 of 2), an hour of timers, {kind}",
                kills=1,
                expected=len(expected),
                delivered=sum((posts & wanted).values()),
                duplicated=sum((posts - wanted).values()),
                in_flight=None,
                lost=sum((wanted - posts).values()),
                recovered_s=recovered,
            )
        )
        assert sorted(set(got) - set(expected)) == [], "fired but not due"
        assert sorted(set(expected) - set(got)) == [], "due but never fired"
        assert got == expected  # and none twice
        assert all(row.status == "sent" for row in worker.sent(incident))
        assert posts == wanted  # on the wire too: nothing missing, nothing extra
        late = [run for run in worker.scan_runs() if run.origin == killed and run.at > _minute(40)]
        assert late == [], "the killed beat's scans ran after it died"


def _minute(n: int) -> datetime:
    return WEDNESDAY_NOON + timedelta(minutes=n)


def _play_the_hour(worker: ClockedWorker, beats: list[MusterBeat]) -> tuple[str, float]:
    """Move the clock ``TICK`` minutes at a time, each instant scanned by every live beat; kill
    the first beat at ``KILL_AT``. Returns the killed beat's origin and how long after the kill
    that instant's pages were all out."""
    live = {beat.origin for beat in beats}
    wait_until(lambda: worker.scanned(live))  # both beats are sending scans
    recovered = 0.0
    for minute in range(TICK, MINUTES + 1, TICK):
        worker.advance(timedelta(minutes=TICK))
        if minute == KILL_AT:
            beats[0].kill()
            killed_at = time.monotonic()
            live = {beats[1].origin}
        wait_until(lambda live=live: worker.scanned(live))
        wait_until(worker.settled)
        if minute == KILL_AT:
            recovered = time.monotonic() - killed_at
    both = {run.origin for run in worker.scan_runs() if run.at < _minute(KILL_AT)}
    assert both == {beat.origin for beat in beats}, "both beats scanned before the kill"
    return beats[0].origin, recovered
