"""kill -9 of a worker mid-fan-out: every page goes out within 5 s — of the last restart when
the one worker is killed again and again, of the kill itself when a second worker is there to
take over — and only the sends on the wire at a kill are repeated.

Each scenario runs a real ``muster worker --beat`` on a real broker and database, declares
incidents that page fifty people each through a real Mattermost webhook peer (each post held
for a moment, so sends are on the wire when the kill comes), and kills the worker's whole
process group at random points, restarting it each time. After the last restart a fresh
incident is declared too: a worker that merely came back up is not enough, it must page. With
two workers (on a broker server), one is killed and never restarted: the other must learn within
seconds that the pages the dead one held are nobody's, from the broker and the database alone.

``FAULT_KILLS`` sets the kills per scenario (``make fault``: 20; the test command: 2).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from muster.worker.client import Client
from tests.harness.fan_out import Deployment
from tests.harness.fault_configs import PEOPLE, person
from tests.harness.fault_report import FaultRow
from tests.harness.servers import BROKERS
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.fault]

KILLS = int(os.environ.get("FAULT_KILLS", "2"))
RECOVERY_LIMIT = 5.0  # seconds from the last restart, or a kill another worker survives,
# to every page delivered


@pytest.fixture(params=BROKERS)
def deployment(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    with ExitStack() as cleanup:
        found = Deployment(request.param, tmp_path, cleanup)
        for key in ("MUSTER_HOME", "MUSTER_QUEUE"):
            monkeypatch.setenv(key, found.env[key])
        yield found


def test_kill_9_mid_fan_out_repeatedly_loses_no_page(
    deployment: Deployment, fault_report: list[FaultRow]
) -> None:
    """Each round declares an incident and kills the worker at a random point of its fifty-person
    fan-out, then starts it again: every person gets every incident's page, nobody gets one they
    were not due, duplicates are no more than the sends on the wire at the kills, and the last
    page lands within 5 s of the last start."""
    chance = random.Random(f"{deployment.kind}-{KILLS}")  # noqa: S311 - kill points, not secrets
    client = Client(deployment.url)
    deployment.worker.start()
    incidents: list[str] = []
    in_flight = 0
    for _ in range(KILLS):
        incident = deployment.declare(client)
        incidents.append(incident)
        point = chance.randint(1, PEOPLE - 1)
        # The kill comes once `point` of its pages are out (or as soon as a restored
        # declaration starts paging after an earlier kill).
        wait_until(lambda i=incident, k=point: deployment.pages(i) >= k, timeout=60)
        deployment.worker.kill()
        in_flight += len(deployment.on_the_wire(incidents))
        deployment.worker.start()
    restarted = time.monotonic()
    incidents.append(deployment.declare(client))
    scenario = f"worker kill -9 mid-fan-out, {deployment.kind}"
    judged = (restarted, in_flight, scenario, KILLS)
    _every_page_once(deployment, incidents, judged, fault_report)


@pytest.mark.parametrize("deployment", [b for b in BROKERS if b != "embedded"], indirect=True)
def test_kill_9_of_one_of_two_workers_mid_fan_out_pages_everyone_within_5_s(
    deployment: Deployment, fault_report: list[FaultRow]
) -> None:
    """Two workers share the fan-out (the beat runs in the survivor, as a separate beat would);
    one is killed at a random point of an incident's fifty pages and stays dead: the survivor
    sends every page within 5 s of the kill — the dead worker's unacknowledged messages come
    back from the broker and its claimed deliveries from the database in seconds — with
    duplicates no more than the sends on the wire at the kill (the embedded broker serves one
    worker, restarted: the scenario above)."""
    chance = random.Random(f"two-{deployment.kind}")  # noqa: S311 - a kill point, not a secret
    client = Client(deployment.url)
    victim = deployment.another_worker("victim")
    deployment.worker.start()
    victim.start()
    incident = deployment.declare(client)
    point = chance.randint(5, PEOPLE - 20)
    wait_until(lambda: deployment.pages(incident) >= point, timeout=60, every=0.01)
    before = deployment.on_the_wire([incident])
    victim.kill()
    killed = time.monotonic()
    in_flight = len(before | deployment.on_the_wire([incident]))
    scenario = f"worker kill -9 (1 of 2) mid-fan-out, {deployment.kind}"
    _every_page_once(deployment, [incident], (killed, in_flight, scenario, 1), fault_report)


# Longer than a delivery's lease (3 s) and Redis's visibility timeout (3 s), shorter than
# Apprise's read timeout (4 s): a send that is slow, not dead.
SLOW_POST = 3.5
SLOW_PEOPLE = 8  # a few rounds of sends at most, each on the wire 3.5 s


@pytest.mark.parametrize("kind", BROKERS)
def test_sends_slower_than_the_lease_are_never_taken_from_a_live_worker(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every post held 3.5 s, with a second worker (on a broker server) and the sweeper looking
    for deliveries to take: nothing is killed, so nothing is sent twice — the lease is renewed
    while a send runs, the holder's lock is held, and Redis's copy of each message is stamped."""
    with ExitStack() as cleanup:
        deployment = Deployment(kind, tmp_path, cleanup, delay=SLOW_POST, people=SLOW_PEOPLE)
        for key in ("MUSTER_HOME", "MUSTER_QUEUE"):
            monkeypatch.setenv(key, deployment.env[key])
        deployment.worker.start()
        if kind != "embedded":  # the embedded broker serves one worker
            deployment.another_worker("second").start()
        incident = deployment.declare(Client(deployment.url))
        expected = {(incident, person(p)) for p in range(SLOW_PEOPLE)}
        wait_until(lambda: expected <= set(deployment.received([incident])), timeout=90)
        time.sleep(2 * SLOW_POST)  # a page taken from a live worker would arrive by now
        assert deployment.received([incident]) == dict.fromkeys(expected, 1)


def _every_page_once(
    deployment: Deployment,
    incidents: list[str],
    judged: tuple[float, int, str, int],
    fault_report: list[FaultRow],
) -> None:
    """Wait for every person's page of every incident and report the row; assert none went to
    anyone not due one, duplicates within the sends in flight, the last page within the limit.
    ``judged``: since when (monotonic), the sends in flight, the scenario, its kills."""
    since, in_flight, scenario, kills = judged
    expected = {(i, person(p)) for i in incidents for p in range(PEOPLE)}
    wait_until(
        lambda: expected <= set(deployment.received(incidents)),
        timeout=RECOVERY_LIMIT + 30,
        every=0.02,
    )
    recovered = time.monotonic() - since
    time.sleep(1.0)  # anything extra still on its way arrives, and is counted
    received = deployment.received(incidents)
    duplicated = sum(count - 1 for count in received.values())
    posts = [pair for pair, count in received.items() for _ in range(count)]
    fault_report.append(
        FaultRow.measured(scenario, expected, posts, recovered, kills=kills, in_flight=in_flight)
    )
    assert set(received) - expected == set()
    assert expected - set(received) == set()
    assert duplicated <= in_flight
    assert recovered <= RECOVERY_LIMIT, f"{scenario}: every page out {recovered:.1f} s after"
