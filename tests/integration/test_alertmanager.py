"""A real Alertmanager pointed at muster's web process, end to end through the embedded broker
and a real worker: a firing group pages the right people once, Alertmanager's repeats page
nobody, and the group's resolution resolves the incident."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from muster.config.loader import load_config
from muster.worker.core.paging.incident import Incident as CoreIncident
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident, TimelineEntry
from tests.harness.configs import DEMO, pinned_rotations
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers.alertmanager import AlertmanagerPeer
from tests.harness.peers.common import free_port
from tests.harness.waiting import deliveries_settled, wait_until

pytestmark = pytest.mark.integration

TOKEN = "alertmanager-test-token-0123456789"
ALERT = {"alertname": "PaymentsDown", "service": "payments-api", "severity": "critical"}


def queued(log: str) -> list[dict[str, Any]]:
    """The web's request lines that queued a message (one each: caller, task, incident)."""
    found = []
    for line in log.splitlines():
        if '"web.request"' in line:
            entry = json.loads(line)
            if entry.get("event") == "web.request" and "task" in entry:
                found.append(entry)
    return found


def healthy(url: str) -> bool:
    with suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:  # noqa: S310
        return answer.status == 200
    return False


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, Database, MusterWorker, Path]]:
    document = yaml.safe_load(DEMO.read_text())
    document["rotations"] = pinned_rotations(document)
    document.pop("overrides", None)
    document["intake"]["callers"] = {"alertmanager": {"token": TOKEN}}
    config = tmp_path / "routing.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False))
    port = free_port()
    database = f"sqlite:///{tmp_path / 'muster.db'}"
    env = worker_environment(
        tmp_path, config, None, database, f"muster-am-{uuid.uuid4().hex[:8]}", PORT=str(port)
    )
    worker = MusterWorker(tmp_path, env, args=("--web",)).start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: healthy(url), timeout=20)
        yield url, Database.connect(database), worker, config
    finally:
        worker.stop()


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
        routing = load_config(config, {}).routing
        core = CoreIncident(
            id=incident.id,
            title=incident.title,
            impact=incident.impact,
            urgency=incident.urgency,
            services=tuple(incident.services),
        )
        plan = build_page_plan(routing, core, incident.declared_at)
        expected = sorted(
            (page.person, contact.kind) for page in plan.pages for contact in page.contacts
        )

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
