"""A real Alertmanager firing into a maintenance window, and still firing at its end.

The window holds alerts named ``PaymentsDown`` (a label matcher, the intake rules' kind) from a
minute ago until a few seconds from now, by the wall clock. The alert fires: muster records the
incident and pages nobody while Alertmanager repeats the group; the window ends with the alert
still firing, and the beat's next scan pages the plan's first level, each person by each kind
once; later repeats page nobody. (The group's resolution is test_alertmanager.py's: its
``endsAt`` is Alertmanager's own clock, which a shifted run does not shift.)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from muster.worker.store.hold_models import HeldIncident
from muster.worker.store.models import Delivery, Incident
from tests.harness.alertmanager_stack import (
    ALERT,
    TOKEN,
    AlertmanagerStack,
    alertmanager_stack,
    planned_pages,
)
from tests.harness.peers.alertmanager import AlertmanagerPeer
from tests.harness.waiting import deliveries_settled, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.wallclock]

HELD_FOR = timedelta(seconds=12)  # from the stack's start: enough for the alert to arrive


@pytest.fixture
def windowed(tmp_path: Path) -> Iterator[tuple[AlertmanagerStack, datetime]]:
    ends = datetime.now(UTC).replace(microsecond=0) + HELD_FOR

    def add_window(document: dict[str, Any]) -> None:
        document["maintenance"] = {
            "windows": {
                "payments-failover": {
                    "reason": "PostgreSQL failover",
                    "scope": {"match": {"alertname": "PaymentsDown"}},
                    "start": (ends - timedelta(minutes=1)).isoformat(),
                    "end": ends.isoformat(),
                }
            }
        }

    with alertmanager_stack(tmp_path, add_window) as stack:
        yield stack, ends


def test_an_alert_firing_into_a_window_pages_once_when_it_ends_still_firing(
    windowed: tuple[AlertmanagerStack, datetime], tmp_path: Path
) -> None:
    stack, ends = windowed
    database = stack.database

    def pages() -> list[tuple[str, str, datetime]]:
        with database.transaction() as session:
            rows = session.scalars(select(Delivery).where(Delivery.purpose == "page"))
            return sorted((str(row.person), row.kind, row.created_at) for row in rows)

    def held() -> Incident | None:
        with database.transaction() as session:
            rows = list(session.scalars(select(Incident)))
            holds = list(session.scalars(select(HeldIncident)))
        ready = len(rows) == 1 and len(holds) == 1 and deliveries_settled(database)
        return rows[0] if ready else None

    with AlertmanagerPeer(tmp_path, f"{stack.url}/v1/alertmanager", TOKEN, repeat="2s") as am:
        am.fire(ALERT, {"summary": "Payments API is down"})
        incident = wait_until(held, timeout=30)
        assert datetime.now(UTC) < ends, "the alert arrived after the window: raise HELD_FOR"
        assert pages() == []

        expected = planned_pages(stack.config, incident, ends)
        wait_until(lambda: [(p, k) for p, k, _ in pages()] == expected, timeout=30)
        assert all(at >= ends for _, _, at in pages())
        time.sleep(4)  # two more repeats of the still-firing group
        assert [(p, k) for p, k, _ in pages()] == expected
