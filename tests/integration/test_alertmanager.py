"""A real Alertmanager pointed at muster's web process, end to end through the embedded broker
and a real worker: a firing group pages the right people once, Alertmanager's repeats page
nobody, and the group's resolution resolves the incident."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident, TimelineEntry
from tests.harness.alertmanager_stack import ALERT, TOKEN, alertmanager_stack, planned_pages
from tests.harness.muster_processes import MusterWorker
from tests.harness.peers.alertmanager import AlertmanagerPeer
from tests.harness.waiting import deliveries_settled, wait_until

pytestmark = pytest.mark.integration


def queued(log: str) -> list[dict[str, Any]]:
    """The web's request lines that queued a message (one each: caller, task, incident)."""
    found = []
    for line in log.splitlines():
        if '"web.request"' in line:
            entry = json.loads(line)
            if entry.get("event") == "web.request" and "task" in entry:
                found.append(entry)
    return found


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, Database, MusterWorker, Path]]:
    with alertmanager_stack(tmp_path) as running:
        yield running.url, running.database, running.worker, running.config


def test_a_group_pages_once_repeats_page_nobody_and_resolved_resolves(
    stack: tuple[str, Database, MusterWorker, Path], tmp_path: Path
) -> None:
    url, database, worker, config = stack
    with AlertmanagerPeer(tmp_path, f"{url}/v1/alertmanager", TOKEN, repeat="2s") as alertmanager:
        alertmanager.fire(ALERT, {"summary": "Payments API is down"})

        def one_incident() -> Incident | None:
            with database.transaction() as session:
                rows = list(session.scalars(select(Incident)))
            return rows[0] if len(rows) == 1 and deliveries_settled(database) else None

        incident = wait_until(one_incident, timeout=30)
        assert incident.severity == "SEV1"
        assert incident.title == "Payments API is down"
        assert incident.source == "alertmanager"

        # The first level of the plan, exactly: nobody missing, nobody extra, each kind once.
        expected = planned_pages(config, incident, incident.declared_at)

        def pages() -> list[tuple[str, str]]:
            with database.transaction() as session:
                rows = session.scalars(
                    select(Delivery).where(Delivery.purpose == "page", Delivery.reason == "plan")
                )
                return sorted((str(row.person), row.kind) for row in rows)

        assert pages() == expected

        # Alertmanager repeats the group (repeat_interval 2 s): two repeats, no page, no entry.
        wait_until(lambda: len(queued(worker.log_text())) >= 3, timeout=20)
        time.sleep(0.5)  # the last repeat handled too
        assert pages() == expected
        with database.transaction() as session:
            assert len(list(session.scalars(select(Incident)))) == 1
            kinds = list(session.scalars(select(TimelineEntry.kind)))
        assert "joined" not in kinds

        alertmanager.resolve(ALERT)

        def resolved() -> bool:
            with database.transaction() as session:
                return session.get_one(Incident, incident.id).state == "resolved"

        wait_until(resolved, timeout=30)
        assert pages() == expected
