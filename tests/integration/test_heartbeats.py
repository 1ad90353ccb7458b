"""Heartbeat monitors through a real broker and a real Celery worker, on a controlled clock.

The worker runs in this process (:mod:`tests.fault.clocked`) on the embedded broker, Redis and
RabbitMQ, with PostgreSQL where the broker is a server (two scanners then meet at ``FOR UPDATE
SKIP LOCKED``); every scan is sent twice through the broker, as two beats would. Heartbeats are
``muster.heartbeat`` messages through the broker, as the web sends them; pages go through real
Apprise to the real protocol peers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from muster.worker.core.decisions.heartbeats import incident_id
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident
from muster.worker.tasks.names import HEARTBEAT, SCAN
from tests.harness.clocked import ClockedWorker, clocked_worker
from tests.harness.configs import WEDNESDAY_NOON, stack_config
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.harness.servers import BROKERS, broker_url, postgres_database
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.wallclock]

MONITOR = {
    "every": "5m",
    "grace": "1m",
    "impact": "critical",
    "urgency": "high",
    "service": "payments-api",
    "title": "Nightly backup stopped",
}
DUE = WEDNESDAY_NOON + timedelta(minutes=6)
MISSED = incident_id("backup", DUE)


class Stack:
    """The peers, the config with a heartbeat monitor, the database and the broker of one test."""

    def __init__(self, kind: str, home: Path, cleanup: ExitStack) -> None:
        self.home = home
        self.url = broker_url(kind, home)
        self.database = (
            f"sqlite:///{home / 'muster.db'}"
            if kind == "embedded"
            else cleanup.enter_context(postgres_database())
        )
        self.smtp = cleanup.enter_context(SmtpPeer())
        self.chat = cleanup.enter_context(MattermostPeer())
        self.sms = cleanup.enter_context(SmsPeer())
        self.config = home / "routing.yaml"
        stack_config(self.config, self.smtp, self.chat, self.sms)
        document: dict[str, Any] = yaml.safe_load(self.config.read_text())
        document["heartbeats"] = {"backup": MONITOR}
        self.config.write_text(yaml.safe_dump(document, sort_keys=False))

    def worker(self, cleanup: ExitStack) -> ClockedWorker:
        worker = cleanup.enter_context(clocked_worker(self.url, self.home))
        cleanup.enter_context(worker.stage(self.config, self.database))
        return worker

    def incidents(self) -> list[Incident]:
        database = Database.connect(self.database, migrate=False)
        try:
            with database.transaction() as session:
                return list(session.scalars(select(Incident)))
        finally:
            database.engine.dispose()

    def pages(self, incident: str) -> list[tuple[str | None, str, str, str]]:
        database = Database.connect(self.database, migrate=False)
        try:
            with database.transaction() as session:
                rows = session.scalars(
                    select(Delivery).where(
                        Delivery.incident_id == incident, Delivery.purpose == "page"
                    )
                )
                return [(row.person, row.kind, row.reason, row.status) for row in rows]
        finally:
            database.engine.dispose()


@pytest.fixture(params=BROKERS)
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Stack, ExitStack]]:
    with ExitStack() as cleanup:
        yield Stack(request.param, tmp_path, cleanup), cleanup


def scan_twice(worker: ClockedWorker) -> None:
    """Two scans through the broker, as two beats send them; wait for both and their pages."""
    sent = [worker.app.send_task(SCAN).id for _ in range(2)]
    for task_id in sent:
        worker.wait_for(task_id)
    if worker.sent(MISSED):
        wait_until(worker.settled)


def heartbeat(worker: ClockedWorker) -> None:
    """The monitor is heard from now (through the broker); wait until it is handled."""
    payload = {"name": "backup", "received_at": worker.clock.now().isoformat()}
    worker.wait_for(worker.client().send(HEARTBEAT, payload))


def test_a_missed_heartbeat_pages_once_with_two_scanners_and_its_return_resolves(
    stack: tuple[Stack, ExitStack],
) -> None:
    """Silent past every + grace: one SEV1, each page once on the wire, however many scans;
    the heartbeat's return resolves it and tells the rooms; on time again, nothing."""
    setup, cleanup = stack
    worker = setup.worker(cleanup)
    scan_twice(worker)  # the monitor's clock starts
    worker.advance(timedelta(minutes=5, seconds=59))
    scan_twice(worker)
    assert setup.incidents() == []
    worker.advance(timedelta(seconds=1))
    scan_twice(worker)
    [incident] = setup.incidents()
    assert (incident.id, incident.severity, incident.title) == (
        MISSED,
        "SEV1",
        "Nightly backup stopped",
    )
    for _ in range(3):  # more scans, still short of the first escalation (ack_within 5m)
        worker.advance(timedelta(minutes=1))
        scan_twice(worker)
    pages = setup.pages(MISSED)
    assert len(pages) == len(set(pages))
    assert {status for *_, status in pages} == {"sent"}
    texts = Counter(m.to for m in setup.sms.messages if MISSED in m.text)
    assert texts
    assert set(texts.values()) == {1}, "each SMS page once on the wire"
    assert sum(texts.values()) == len([p for p in pages if p[1] == "sms"])

    heartbeat(worker)
    wait_until(lambda: setup.incidents()[0].resolved_at is not None)
    wait_until(worker.settled)
    resolved = [m for m in setup.chat.messages if m.destination == "incidents" and MISSED in m.text]
    assert any("resolved" in m.text.lower() for m in resolved)
    for _ in range(5):  # on time from now on: quiet
        worker.advance(timedelta(minutes=4))
        heartbeat(worker)
        scan_twice(worker)
    assert [i.id for i in setup.incidents()] == [MISSED]


def test_a_monitors_clock_survives_a_worker_restart(stack: tuple[Stack, ExitStack]) -> None:
    """The clock started under one worker; a new worker (nothing kept in memory) finds the miss
    of that same due time and pages it once."""
    setup, cleanup = stack
    with ExitStack() as first:
        worker = setup.worker(first)
        scan_twice(worker)
    second = setup.worker(cleanup)
    second.move_to(DUE + timedelta(minutes=1))
    scan_twice(second)
    scan_twice(second)
    [incident] = setup.incidents()
    assert incident.id == MISSED
    assert incident.declared_at == DUE
    pages = setup.pages(MISSED)
    assert pages
    assert len(pages) == len(set(pages))
