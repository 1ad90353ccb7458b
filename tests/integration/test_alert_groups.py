"""An alert group that gets worse, end to end: Alertmanager-shaped webhooks posted to muster's
web process, queued through the embedded broker and handled by a real worker.

The group opens as a minor alert on search (SEV4: the search SME by chat); its next
notification adds a critical payments-api alert. The incident is as bad as its worst alert, so
that notification upgrades it to SEV1 on both services and pages everyone the SEV1 needs, the
search SME only by the kinds he lacked.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident, TimelineEntry
from tests.harness.configs import DEMO, pinned_rotations
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers.common import free_port
from tests.harness.waiting import deliveries_settled, wait_until

pytestmark = pytest.mark.integration

TOKEN = "alertmanager-test-token-0123456789"
STARTED = datetime.now(UTC).replace(microsecond=0).isoformat()
SEARCH_SLOW = {"alertname": "Checkout", "service": "search", "impact": "internal", "urgency": "low"}
PAYMENTS_DOWN = {"alertname": "Checkout", "service": "payments-api", "severity": "critical"}


def healthy(url: str) -> bool:
    with suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:  # noqa: S310
        return answer.status == 200
    return False


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    """``muster worker --web`` on the demo team (rotations pinned), the embedded broker, SQLite."""
    document = yaml.safe_load(DEMO.read_text())
    document["rotations"] = pinned_rotations(document)
    document.pop("overrides", None)
    document["intake"]["callers"] = {"alertmanager": {"token": TOKEN}}
    config = tmp_path / "routing.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False))
    port = free_port()
    database = f"sqlite:///{tmp_path / 'muster.db'}"
    env = worker_environment(
        tmp_path, config, None, database, f"muster-groups-{uuid.uuid4().hex[:8]}", PORT=str(port)
    )
    worker = MusterWorker(tmp_path, env, args=("--web",)).start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: healthy(url), timeout=20)
        yield url, Database.connect(database)
    finally:
        worker.stop()


def notify(url: str, *alerts: dict[str, str]) -> None:
    """Alertmanager's webhook for the group ``alertname=Checkout`` with these firing alerts."""
    body: dict[str, Any] = {
        "version": "4",
        "groupKey": '{}:{alertname="Checkout"}',
        "status": "firing",
        "receiver": "muster",
        "groupLabels": {"alertname": "Checkout"},
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": f"Checkout trouble on {labels['service']}"},
                "startsAt": STARTED,
                "fingerprint": labels["service"],
            }
            for labels in alerts
        ],
    }
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{url}/v1/alertmanager",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        assert answer.status == 202, answer.read()


def the_incident(database: Database, severity: str) -> Incident | None:
    """The one incident, once at ``severity`` with every delivery settled."""
    with database.transaction() as session:
        rows = list(session.scalars(select(Incident)))
    if len(rows) == 1 and rows[0].severity == severity and deliveries_settled(database):
        return rows[0]
    return None


def pages(database: Database, reason_prefix: str) -> list[tuple[str, str]]:
    with database.transaction() as session:
        rows = session.execute(
            select(Delivery.person, Delivery.kind).where(
                Delivery.purpose == "page", Delivery.reason.startswith(reason_prefix)
            )
        )
        return sorted((str(person), kind) for person, kind in rows)


def test_an_alert_group_that_gets_worse_upgrades_its_incident_and_pages(
    stack: tuple[str, Database],
) -> None:
    url, database = stack
    notify(url, SEARCH_SLOW)
    opened = wait_until(lambda: the_incident(database, "SEV4"), timeout=30)
    assert pages(database, "plan") == [("ken", "chat")]

    notify(url, SEARCH_SLOW, PAYMENTS_DOWN)
    worse = wait_until(lambda: the_incident(database, "SEV1"), timeout=30)
    assert worse.id == opened.id
    assert (worse.impact, worse.urgency) == ("critical", "high")
    assert worse.services == ["search", "payments-api"]
    every = ("sms", "email", "chat")
    assert pages(database, "joined:") == sorted(
        [
            *[("bob", kind) for kind in every],
            *[("dmitri", kind) for kind in every],
            ("frank", "chat"),
            ("frank", "email"),
            *[("heidi", kind) for kind in every],
            ("ken", "email"),
            ("ken", "sms"),
        ]
    )
    with database.transaction() as session:
        kinds = list(
            session.scalars(
                select(TimelineEntry.kind)
                .where(TimelineEntry.kind.in_(["declared", "joined", "redefinition"]))
                .order_by(TimelineEntry.id)
            )
        )
        statuses = set(session.scalars(select(Delivery.status)))
    assert kinds == ["declared", "joined", "redefinition"]
    assert statuses == {"sent"}
