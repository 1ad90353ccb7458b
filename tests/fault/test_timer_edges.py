"""Timers of 5 min, 45 min and 2 h, and acknowledgements 100 ms before, at and after a step's due
time, on a controlled clock through a real broker: exactly what is paged, nothing missing and
nothing extra.

What the product does at the edge: an escalation step is decided by the first scan at or after
its due time (beat scans every ``MUSTER_SCAN_EVERY``, 5 s), not by the instant alone. An
acknowledgement handled before that scan stops the step — 100 ms early, exactly on time, or even
100 ms late when no scan has run since the step fell due: the person took their page before
anyone above them was paged. One handled after that scan cannot unpage the step it fired, and
stops every later one. The scenarios drive the scans themselves (as beat would, through the
broker) so each ordering is played exactly, and probe 100 ms before every due time that nothing
fires early.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.harness.clocked import ClockedWorker, clocked_worker
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.fault_configs import (
    COMMANDER,
    LEAD,
    MANAGER,
    SME,
    SUPPORT_MANAGER,
    timers_document,
)
from tests.harness.peers import MattermostPeer
from tests.harness.servers import BROKERS, broker_url
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.fault]

T0 = WEDNESDAY_NOON  # every incident is declared at this controlled instant
EDGE = timedelta(milliseconds=100)
DELAYS = {"5m": timedelta(minutes=5), "45m": timedelta(minutes=45), "2h": timedelta(hours=2)}
ROOMS = ("summaries", "stakeholders")
Row = tuple[str, str, str]  # purpose, reason, person or room


@pytest.fixture(scope="module", params=BROKERS)
def worker(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ClockedWorker]:
    """One clocked worker per broker for the whole module; each scenario stages its own runtime."""
    home = tmp_path_factory.mktemp(f"clocked-{request.param}")
    with clocked_worker(broker_url(request.param, home), home) as clocked:
        yield clocked


@pytest.fixture
def chat() -> Iterator[MattermostPeer]:
    with MattermostPeer() as peer:
        yield peer


def stage(
    worker: ClockedWorker, chat: MattermostPeer, home: Path, ack: str, summary: str, reminder: str
) -> Iterator[None]:
    config = home / "routing.yaml"
    document = timers_document(chat.url_template(), chat.room_url, ack, summary, reminder)
    config.write_text(yaml.safe_dump(document))
    return worker.stage(config, f"sqlite:///{home / 'muster.db'}", start=T0)


def declare(worker: ClockedWorker, count: int) -> list[str]:
    client = worker.client()
    incidents = [
        client.declare(
            title=f"Checkout failing {n}", impact="major", urgency="high", services=["api"]
        )
        for n in range(count)
    ]
    # Counted without _rows' assertion: while the worker takes the declarations one by one, a
    # later one's first page may be on the wire when an earlier one has settled.
    wait_until(lambda: _sent_count(worker, incidents) == 3 * count and worker.settled())
    return incidents


def _sent_count(worker: ClockedWorker, incidents: list[str]) -> int:
    return sum(row.status == "sent" for incident in incidents for row in worker.sent(incident))


def fired(worker: ClockedWorker, incidents: list[str]) -> list[Row]:
    """What a scan now sends for ``incidents``."""
    before = Counter(_all_rows(worker, incidents))
    worker.scan()
    return sorted((Counter(_all_rows(worker, incidents)) - before).elements())


def nothing_fires(worker: ClockedWorker, incidents: list[str]) -> None:
    """A scan now fires nothing for ``incidents``."""
    assert fired(worker, incidents) == [], f"fired at {worker.clock.now() - T0}"


def probe_then_scan(worker: ClockedWorker, due: datetime, incidents: list[str]) -> None:
    """A scan 100 ms before ``due`` fires nothing; then a scan exactly at ``due``."""
    worker.move_to(due - EDGE)
    nothing_fires(worker, incidents)
    worker.move_to(due)
    worker.scan()


# What each scenario expects ------------------------------------------------------------------


def at(offset: timedelta) -> str:
    return (T0 + offset).isoformat()


def initial() -> list[Row]:
    return [("page", "plan", person) for person in (COMMANDER, LEAD, SME)]


def escalations(label: str, people: list[str]) -> list[Row]:
    return [("page", f"escalation:{label}:{n}", p) for n, p in enumerate(people, start=1)]


def summaries(offsets: list[timedelta]) -> list[Row]:
    return [("broadcast", f"summary:{at(o)}", room) for o in offsets for room in ROOMS]


def reminders(offsets: list[timedelta]) -> list[Row]:
    return [("reminder", f"reminder:{at(o)}", LEAD) for o in offsets]


def every(period: timedelta, until: timedelta) -> list[timedelta]:
    return [period * n for n in range(1, until // period + 1)]


# The scenarios --------------------------------------------------------------------------------


@pytest.mark.parametrize("delay", DELAYS)
def test_acks_100_ms_before_at_and_after_an_escalation_step(
    worker: ClockedWorker, chat: MattermostPeer, tmp_path: Path, delay: str
) -> None:
    """Every timer at ``delay`` (escalation, summary, reminder); five incidents, the commander
    acknowledging each differently around the first step's due time D: not at all; at D-100 ms;
    at D, before the scan; at D, after the scan; at D+100 ms. The first two stop the step, the
    last two stop only the steps after it. The other chains, summaries and reminders run the
    same in all five, for three periods, and nothing fires 100 ms early."""
    d = DELAYS[delay]
    with stage(worker, chat, tmp_path, delay, delay, delay):
        incidents = declare(worker, 5)
        control, early, on_time, just_after_scan, late = incidents
        worker.move_to(T0 + d - EDGE)
        nothing_fires(worker, incidents)
        worker.acknowledge(early, COMMANDER)  # at D-100 ms
        worker.move_to(T0 + d)
        worker.acknowledge(on_time, COMMANDER)  # at D, before the scan
        worker.scan()
        worker.acknowledge(just_after_scan, COMMANDER)  # at D, after the scan
        worker.move_to(T0 + d + EDGE)
        worker.acknowledge(late, COMMANDER)  # at D+100 ms
        for n in (2, 3):
            probe_then_scan(worker, T0 + n * d, incidents)
        worker.move_to(T0 + 4 * d - EDGE)
        nothing_fires(worker, incidents)

        common = (
            initial()
            + escalations("support_lead", [SUPPORT_MANAGER, LEAD, SUPPORT_MANAGER])
            + escalations("sme:api", [SME])
            + summaries([d, 2 * d, 3 * d])
            + reminders([d, 2 * d, 3 * d])
        )
        commander = {
            control: escalations("commander", [MANAGER, COMMANDER, MANAGER]),
            early: [],
            on_time: [],
            just_after_scan: escalations("commander", [MANAGER]),
            late: escalations("commander", [MANAGER]),
        }
        for incident, steps in commander.items():
            assert _rows(worker, incident) == sorted(common + steps), incident
        assert _posts(chat) == _wanted({i: common + s for i, s in commander.items()})


@pytest.mark.parametrize("delay", DELAYS)
def test_an_ack_after_the_due_time_but_before_any_scan_still_stops_the_step(
    worker: ClockedWorker, chat: MattermostPeer, tmp_path: Path, delay: str
) -> None:
    """No scan between D-100 ms and the acknowledgement at D+100 ms (beat scans every 5 s): the
    step was due but nobody was paged for it yet, so the acknowledgement stops it and the ones
    after it. The timers that fired at that late scan count their next period from it: an
    escalation step gives its people ``ack_within`` from their page, and the next reminder is
    due ``customer_update_every`` after this one; summaries keep their slots."""
    d = DELAYS[delay]
    with stage(worker, chat, tmp_path, delay, delay, delay):
        (incident,) = declare(worker, 1)
        worker.move_to(T0 + d - EDGE)
        nothing_fires(worker, [incident])
        worker.move_to(T0 + d + EDGE)
        worker.acknowledge(incident, COMMANDER)
        worker.scan()
        worker.move_to(T0 + 2 * d - EDGE)
        nothing_fires(worker, [incident])
        worker.move_to(T0 + 2 * d)
        assert fired(worker, [incident]) == sorted(summaries([2 * d]))  # its slot; others wait
        worker.move_to(T0 + 2 * d + EDGE)
        assert fired(worker, [incident]) == sorted(
            escalations("support_lead", [SUPPORT_MANAGER, LEAD])[1:] + reminders([2 * d + EDGE])
        )
        expected = (
            initial()
            + escalations("support_lead", [SUPPORT_MANAGER, LEAD])
            + escalations("sme:api", [SME])
            + summaries([d, 2 * d])
            + reminders([d, 2 * d + EDGE])  # a reminder is keyed by the time it was due
        )
        assert _rows(worker, incident) == sorted(expected)
        assert _posts(chat) == _wanted({incident: expected})


def test_timers_of_5_min_45_min_and_2_h_fire_exactly_at_their_due_times(
    worker: ClockedWorker, chat: MattermostPeer, tmp_path: Path
) -> None:
    """Escalation every 5 min, a summary every 45 min, a reminder every 2 h, for four hours
    scanned exactly at every due time (and 100 ms before it): each chain climbs at +5, +10 and
    +15 min and is exhausted, five summaries, two reminders."""
    with stage(worker, chat, tmp_path, "5m", "45m", "2h"):
        (incident,) = declare(worker, 1)
        hours = timedelta(hours=4)
        five, summary, reminder = timedelta(minutes=5), timedelta(minutes=45), timedelta(hours=2)
        due = sorted(set(every(five, 3 * five) + every(summary, hours) + every(reminder, hours)))
        for offset in due:
            probe_then_scan(worker, T0 + offset, [incident])
        worker.move_to(T0 + summary * (hours // summary + 1) - EDGE)  # the next one, early
        nothing_fires(worker, [incident])
        expected = (
            initial()
            + escalations("commander", [MANAGER, COMMANDER, MANAGER])
            + escalations("support_lead", [SUPPORT_MANAGER, LEAD, SUPPORT_MANAGER])
            + escalations("sme:api", [SME])
            + summaries(every(summary, hours))
            + reminders(every(reminder, hours))
        )
        assert _rows(worker, incident) == sorted(expected)
        assert _posts(chat) == _wanted({incident: expected})


# Reading what was sent ------------------------------------------------------------------------


def _rows(worker: ClockedWorker, incident: str) -> list[Row]:
    rows = worker.sent(incident)
    assert all(row.status == "sent" for row in rows), rows
    return sorted((r.purpose, r.reason, r.person or r.kind) for r in rows)


def _all_rows(worker: ClockedWorker, incidents: list[str]) -> list[Row]:
    return sorted(row for incident in incidents for row in _rows(worker, incident))


def _posts(chat: MattermostPeer) -> Counter[str]:
    """Posts per channel (a person's, or a room): what actually reached the chat server."""
    return Counter(message.destination for message in chat.messages)


def _wanted(rows: dict[str, list[Row]]) -> Counter[str]:
    return Counter(recipient for each in rows.values() for _, _, recipient in each)
