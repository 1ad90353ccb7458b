"""Escalation and summaries through a real broker and a real Celery worker, on a manual clock.

The worker runs in this process (Celery's own test worker, threads pool) against the embedded
broker, Redis or RabbitMQ, with a runtime whose clock the test moves: "5 minutes later" takes no
time. Beat is played by the test, sending the scan task through the broker as beat would — twice
per tick when two beats are running. Pages go through real Apprise to the real protocol peers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from sqlalchemy import select

from muster.channels.retry import RetryPolicy
from muster.channels.sender import AppriseSender
from muster.config.watch import ConfigSource
from muster.worker.broker.app import make_app
from muster.worker.client import Client
from muster.worker.clock import ManualClock
from muster.worker.runtime import Runtime, install
from muster.worker.store.db import Database
from muster.worker.store.models import TimelineEntry
from muster.worker.tasks.names import SCAN
from muster.worker.tasks.registry import register
from tests.harness.configs import WEDNESDAY_NOON, stack_config
from tests.harness.in_process import wake_to_stop
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.harness.servers import BROKERS, broker_url, purge
from tests.harness.waiting import deliveries_settled, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.wallclock]


class Scenario:
    """A clocked worker on one broker, the peers it pages, and the test's client."""

    def __init__(self, kind: str, home: Path) -> None:
        self.kind = kind
        self.home = home
        self.smtp = SmtpPeer().start()
        self.chat = MattermostPeer().start()
        self.sms = SmsPeer().start()
        self.config = home / "routing.yaml"
        stack_config(self.config, self.smtp, self.chat, self.sms)
        self.clock = ManualClock(WEDNESDAY_NOON)
        self.database = Database.connect(f"sqlite:///{home / 'muster.db'}")
        self.url = broker_url(kind, home)
        self.queue = f"muster-clocked-{uuid.uuid4().hex[:8]}"
        self.app: Celery

    def runtime(self) -> Runtime:
        return Runtime(
            database=self.database,
            config=ConfigSource(self.config, environ={}, interval=0),
            clock=self.clock,
            sender=AppriseSender(),
            retry=RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.05, total=2),
        )

    def client(self) -> Client:
        return Client(app=self.app)

    def tick(self, minutes: int = 1, beats: int = 1) -> None:
        """Move time on a minute at a time; each minute every beat sends a scan, as beat does."""
        for _ in range(minutes):
            self.clock.advance(timedelta(minutes=1))
            sent = [self.app.send_task(SCAN).id for _ in range(beats)]
            wait_until(lambda sent=sent: all(t in _finished for t in sent), timeout=20)

    def stop(self) -> None:
        for peer in (self.smtp, self.chat, self.sms):
            peer.stop()
        self.database.engine.dispose()


_finished: set[str] = set()


def _record_finished(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _finished.add(task_id)


@pytest.fixture(params=BROKERS)
def scenario(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Scenario]:
    monkeypatch.setenv("MUSTER_HOME", str(tmp_path))
    monkeypatch.setenv("MUSTER_POLL_INTERVAL", "0.02")
    scenario = Scenario(request.param, tmp_path)
    monkeypatch.setenv("MUSTER_QUEUE", scenario.queue)
    scenario.app = make_app(scenario.url or "filesystem://")
    register(scenario.app)
    purge(scenario.url, scenario.queue)
    install(scenario.runtime())
    task_postrun.connect(_record_finished, weak=False)
    try:
        with start_worker(
            scenario.app,
            pool="threads",
            concurrency=4,
            perform_ping_check=False,
            shutdown_timeout=60,
            loglevel="WARNING",
        ) as controller:
            try:
                yield scenario
            finally:
                wake_to_stop(controller)
    finally:
        task_postrun.disconnect(_record_finished)
        install(None)
        scenario.app.close()
        scenario.stop()


def settled(scenario: Scenario) -> bool:
    """Every declaration's fan-out is written and every delivery finished."""
    return deliveries_settled(scenario.database)


def escalated(scenario: Scenario) -> list[str | None]:
    with scenario.database.transaction() as session:
        return list(
            session.scalars(
                select(TimelineEntry.actor)
                .where(TimelineEntry.kind == "escalated")
                .order_by(TimelineEntry.id)
            )
        )


def test_sev1_unacknowledged_for_5_minutes_pages_the_next_level(scenario: Scenario) -> None:
    """At +5 simulated minutes, each chain's next level is paged, through the real peers."""
    incident = scenario.client().declare(
        title="Checkout failing", impact="critical", urgency="high", services=["payments-api"]
    )
    wait_until(lambda: settled(scenario))
    scenario.tick(4)
    assert escalated(scenario) == []
    scenario.tick(1)
    assert escalated(scenario) == ["laura", "mallory", "frank", "judy"]
    wait_until(lambda: settled(scenario))
    laura = [m for m in scenario.sms.messages if m.to == "+353850000012"]
    assert len(laura) == 1
    assert laura[0].text.startswith(f"SEV1 ESCALATED {incident}")


def test_an_ack_at_4_minutes_stops_that_escalation(scenario: Scenario) -> None:
    """Bob acknowledges at +4: at +5 his chain stays quiet while the others climb."""
    incident = scenario.client().declare(
        title="Checkout failing", impact="critical", urgency="high", services=["payments-api"]
    )
    wait_until(lambda: settled(scenario))
    scenario.tick(4)
    scenario.client().acknowledge(incident, person="bob")
    wait_until(lambda: _acknowledged(scenario))
    scenario.tick(1)
    assert "laura" not in escalated(scenario)
    assert escalated(scenario) == ["mallory", "frank", "judy"]


def test_two_beats_for_an_hour_send_exactly_four_summaries(scenario: Scenario) -> None:
    """Two beats scanning every simulated minute for an hour: four summaries, one per slot."""
    incident = scenario.client().declare(
        title="Checkout failing", impact="critical", urgency="high", services=["payments-api"]
    )
    wait_until(lambda: settled(scenario))
    scenario.tick(60, beats=2)
    wait_until(lambda: settled(scenario))
    posts = [
        m
        for m in scenario.chat.messages
        if m.destination == "incident-summaries" and incident in m.text
    ]
    assert len(posts) == 4


def _acknowledged(scenario: Scenario) -> bool:
    with scenario.database.transaction() as session:
        return (
            session.scalar(select(TimelineEntry.id).where(TimelineEntry.kind == "acknowledged"))
            is not None
        )


def test_a_person_no_kind_reaches_is_told_to_the_commander_and_the_room(
    scenario: Scenario,
) -> None:
    """Heidi's sms gateway, mail server and chat all refuse her: bob (the commander) hears it by
    each kind and the incident room once, nothing else is sent, and the +15 summary lists her."""
    scenario.sms.refuse("+353850000008")
    scenario.smtp.refuse("heidi@example.com")
    scenario.chat.refuse("heidi")
    incident = scenario.client().declare(
        title="Checkout failing", impact="critical", urgency="high", services=["payments-api"]
    )
    wait_until(lambda: settled(scenario))
    notice = "Heidi Berg (heidi) could not be reached by sms, email, chat"
    sms = [(m.to, notice in m.text) for m in scenario.sms.messages]
    mail = [(m.rcpt_tos, notice in m.text) for m in scenario.smtp.messages]
    chat = [(m.destination, notice in m.text) for m in scenario.chat.messages]
    # The declaration's pages (heidi's refused; frank has no sms) and rooms, then the notices.
    assert sorted(sms) == [
        ("+353850000002", False),
        ("+353850000002", True),
        ("+353850000004", False),
    ]
    assert sorted(mail) == [
        (("bob@example.com",), False),
        (("bob@example.com",), True),
        (("dmitri@example.com",), False),
        (("frank@example.com",), False),
    ]
    assert sorted(chat) == [
        ("bob", False),
        ("bob", True),
        ("dmitri", False),
        ("frank", False),
        ("incidents", False),
        ("incidents", True),
        ("payments-incidents", False),
    ]
    scenario.tick(15)
    wait_until(lambda: settled(scenario))
    summary = [m.text for m in scenario.chat.messages if m.destination == "incident-summaries"]
    assert len(summary) == 1
    assert incident in summary[0]
    line = "Could not be reached: Heidi Berg (SME payments-api; tried sms, email, chat)"
    assert line in summary[0].splitlines()
