"""A declaration's first commit: one statement on PostgreSQL, a transaction on SQLite, and the
same outcomes on both (a new incident, a no-op, a join, a guarded redelivery)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from muster.worker.deliveries.claim import Claimed
from muster.worker.incidents.fan_out import handle_fan_out
from muster.worker.incidents.outcome import Outcome
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery, Incident, OpenFingerprint
from tests.harness.declarations import declare
from tests.harness.runtimes import BOTH_DATABASES

pytestmark = [pytest.mark.integration, pytest.mark.runtime(databases=BOTH_DATABASES)]


def declare_handing_over(
    rt: Runtime, message_id: str, **fields: Any
) -> tuple[Outcome, list[Claimed]]:
    """Declare as the worker does: the first page handed over claimed, between the commits."""
    handed: list[Claimed] = []
    outcome = declare(
        rt,
        message_id,
        send_first_page=handed.extend,
        queue_fan_out=lambda incident_id, declaration: handle_fan_out(rt, incident_id, declaration),
        **fields,
    )
    return outcome, handed


def stored(rt: Runtime) -> tuple[list[str], list[str], list[tuple[str, str | None, str]]]:
    with rt.database.transaction() as session:
        incidents = list(session.scalars(select(Incident.id).order_by(Incident.id)))
        held = list(session.scalars(select(OpenFingerprint.fingerprint)))
        deliveries = [
            (d.incident_id, d.person, d.status)
            for d in session.scalars(select(Delivery).order_by(Delivery.id))
        ]
    return incidents, held, deliveries


class TestFirstCommit:
    def test_writes_the_incident_its_fingerprint_and_its_first_page_claimed(
        self, rt: Runtime
    ) -> None:
        """The first page is stored as ``sending`` (this worker sends it) with its id known."""
        outcome, handed = declare_handing_over(rt, "m-1", fingerprint="fp")
        incidents, held, deliveries = stored(rt)
        assert incidents == ["inc-1"]
        assert held == ["fp"]
        assert deliveries[0] == ("inc-1", "bob", "sending")
        assert [status for *_, status in deliveries[1:]] == ["pending"] * 12  # the fan-out
        assert [claimed.id for claimed in handed] == list(outcome.first_page_ids)
        assert outcome.first_page_ids

    def test_the_same_declaration_again_writes_nothing(self, rt: Runtime) -> None:
        """A redelivery meets the incident's key: no second first page."""
        declare_handing_over(rt, "m-1")
        _, handed = declare_handing_over(rt, "m-1")
        assert handed == []
        assert stored(rt)[2].count(("inc-1", "bob", "sending")) == 1

    def test_a_held_fingerprint_joins_and_writes_no_incident(self, rt: Runtime) -> None:
        declare_handing_over(rt, "m-1", fingerprint="fp")
        outcome, handed = declare_handing_over(rt, "m-2", incident_id="inc-2", fingerprint="fp")
        assert (outcome.incident_id, handed) == ("inc-1", [])
        assert stored(rt)[0] == ["inc-1"]

    def test_a_joined_declaration_redelivered_after_resolution_stays_joined(
        self, rt: Runtime
    ) -> None:
        """The fingerprint is free again, but inc-2 is an alias of inc-1: no incident, no page."""
        declare_handing_over(rt, "m-1", fingerprint="fp")
        declare_handing_over(rt, "m-2", incident_id="inc-2", fingerprint="fp")
        handle_resolved(rt, parse("muster.incident.resolved", {"incident_id": "inc-1"}), "m-3")
        outcome, handed = declare_handing_over(rt, "m-2", incident_id="inc-2", fingerprint="fp")
        assert (outcome.incident_id, handed) == ("inc-1", [])
        incidents, held, _ = stored(rt)
        assert (incidents, held) == (["inc-1"], [])
