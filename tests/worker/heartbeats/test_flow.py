"""Heartbeat monitors on a real database (SQLite and PostgreSQL), driven through the scan and the
heartbeat handler with a manual clock: a silence declares one incident through the declaration's
own handler, the heartbeat's return resolves it, and what a crash left undone is done by the
next scan. The same runs through a real broker and worker in ``tests/integration``."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from muster.worker.clock import ManualClock
from muster.worker.core.decisions.heartbeats import DISARMED, DOWN, UP, incident_id
from muster.worker.heartbeats import settle as settle_module
from muster.worker.heartbeats.received import handle_heartbeat
from muster.worker.heartbeats.scan import scan_heartbeats
from muster.worker.messages import InvalidMessage, parse
from muster.worker.observe.metrics import HEARTBEATS_MISSED
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery, Incident, TimelineEntry
from muster.worker.store.upkeep_models import HeartbeatRow
from muster.worker.tasks.names import HEARTBEAT
from tests.harness.configs import DEMO, WEDNESDAY_NOON
from tests.harness.runtimes import BOTH_DATABASES, TWO_TRIES

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES, retry=TWO_TRIES)

T0 = WEDNESDAY_NOON
BACKUP = {"every": "5m", "grace": "1m", "impact": "critical", "urgency": "high"}
DUE = T0 + timedelta(minutes=6)


def configure(rt: Runtime, folder: Path, heartbeats: dict[str, Any]) -> None:
    """The demo config with these heartbeat monitors (served from the next read on)."""
    document = yaml.safe_load(DEMO.read_text())
    if heartbeats:
        document["heartbeats"] = heartbeats
    (folder / "routing.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    rt.config.current()


@pytest.fixture(autouse=True)
def backup_monitor(rt: Runtime, tmp_path: Path) -> None:
    """Every test starts with the demo config and one heartbeat monitor, backup."""
    configure(rt, tmp_path, {"backup": {**BACKUP, "service": "payments-api"}})


def at(rt: Runtime, minutes: float) -> None:
    clock = rt.clock
    assert isinstance(clock, ManualClock)
    clock.set(T0 + timedelta(minutes=minutes))


def beat(rt: Runtime, message_id: str = "hb-msg-1", **payload: Any) -> Any:
    message = parse(HEARTBEAT, {"name": "backup", **payload})
    return handle_heartbeat(rt, message, message_id)


def monitor(rt: Runtime) -> HeartbeatRow:
    with rt.database.transaction() as session:
        return session.get_one(HeartbeatRow, "backup")


def incidents(rt: Runtime) -> list[Incident]:
    with rt.database.transaction() as session:
        return list(session.scalars(select(Incident).order_by(Incident.declared_at)))


def pages(rt: Runtime, incident: str) -> list[tuple[str | None, str]]:
    with rt.database.transaction() as session:
        rows = session.scalars(
            select(Delivery).where(Delivery.incident_id == incident, Delivery.purpose == "page")
        )
        return sorted((row.person, row.kind) for row in rows)


def timeline(rt: Runtime, incident: str) -> list[tuple[str, str]]:
    with rt.database.transaction() as session:
        entries = session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.incident_id == incident)
            .order_by(TimelineEntry.id)
        )
        return [(entry.kind, entry.text) for entry in entries if not entry.kind.endswith("_sent")]


class TestAMiss:
    def test_silence_past_every_plus_grace_declares_one_incident_and_pages_it(
        self, rt: Runtime
    ) -> None:
        assert scan_heartbeats(rt) == []  # the clock starts
        at(rt, 5.9)
        assert scan_heartbeats(rt) == []
        at(rt, 6)
        declared = scan_heartbeats(rt)
        [incident] = incidents(rt)
        assert incident.id == incident_id("backup", DUE)
        assert (incident.severity, incident.services, incident.source) == (
            "SEV1",
            ["payments-api"],
            "heartbeat",
        )
        assert (incident.fingerprint, incident.declared_at) == ("heartbeat:backup", DUE)
        assert declared, "its pages are queued"
        assert ("heidi", "sms") in pages(rt, incident.id)  # the payments SME, as any SEV1
        assert timeline(rt, incident.id)[0] == ("declared", "Heartbeat backup missed")
        row = monitor(rt)
        assert (row.state, row.incident_id, row.missed_at) == (DOWN, incident.id, DUE)

    def test_scans_after_the_miss_declare_nothing_more(self, rt: Runtime) -> None:
        scan_heartbeats(rt)
        at(rt, 6)
        scan_heartbeats(rt)
        before = pages(rt, incident_id("backup", DUE))
        for minute in (6, 7, 30, 600):
            at(rt, minute)
            assert scan_heartbeats(rt) == []
        assert len(incidents(rt)) == 1
        assert pages(rt, incident_id("backup", DUE)) == before

    def test_four_scanners_at_once_declare_and_page_once(self, rt: Runtime) -> None:
        scan_heartbeats(rt)
        at(rt, 6)
        missed_before = HEARTBEATS_MISSED.labels("backup")._value.get()
        queued: list[int] = []
        barrier = threading.Barrier(4)

        def one_scan() -> None:
            barrier.wait()
            queued.extend(scan_heartbeats(rt))

        threads = [threading.Thread(target=one_scan) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        [incident] = incidents(rt)
        paged = pages(rt, incident.id)
        assert len(paged) == len(set(paged))
        with rt.database.transaction() as session:
            ids = set(
                session.scalars(select(Delivery.id).where(Delivery.incident_id == incident.id))
            )
        assert sorted(queued) == sorted(ids), "each delivery queued once, by its one writer"
        assert HEARTBEATS_MISSED.labels("backup")._value.get() == missed_before + 1

    def test_a_declaration_a_crash_interrupted_is_made_by_the_next_scan(
        self, rt: Runtime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        scan_heartbeats(rt)
        at(rt, 6)

        def crash(*_: Any, **__: Any) -> Any:
            raise RuntimeError("killed between the miss and its declaration")

        with monkeypatch.context() as patched:
            patched.setattr(settle_module, "handle_declared", crash)
            assert scan_heartbeats(rt) == []
        assert incidents(rt) == []
        assert monitor(rt).state == DOWN
        at(rt, 6.1)
        assert scan_heartbeats(rt)
        assert [i.id for i in incidents(rt)] == [incident_id("backup", DUE)]

    def test_a_monitor_never_heard_from_counts_from_the_scan_that_first_found_it(
        self, rt: Runtime, tmp_path: Path
    ) -> None:
        configure(rt, tmp_path, {})
        scan_heartbeats(rt)
        at(rt, 60)
        configure(rt, tmp_path, {"backup": BACKUP})  # added an hour later
        scan_heartbeats(rt)
        at(rt, 65.9)
        scan_heartbeats(rt)
        assert incidents(rt) == []
        at(rt, 66)
        scan_heartbeats(rt)
        [incident] = incidents(rt)
        assert incident.services == ["platform"]  # no service: the demo's fallback service


class TestItsReturn:
    def test_a_heartbeat_resolves_what_its_silence_declared_and_re_arms(self, rt: Runtime) -> None:
        scan_heartbeats(rt)
        at(rt, 6)
        scan_heartbeats(rt)
        declared = incident_id("backup", DUE)
        at(rt, 8)
        outcome = beat(rt, received_at=(T0 + timedelta(minutes=8)).isoformat())
        assert outcome.incident_id == declared
        [incident] = incidents(rt)
        assert incident.resolved_at == T0 + timedelta(minutes=8)
        assert (
            "resolved",
            "Heartbeat backup received again at 2026-11-25T12:08:00Z.",
        ) in timeline(rt, declared)
        row = monitor(rt)
        assert (row.state, row.incident_id, row.due_at) == (UP, None, T0 + timedelta(minutes=14))
        at(rt, 14)
        scan_heartbeats(rt)
        assert [i.id for i in incidents(rt)] == [declared, incident_id("backup", row.due_at)]

    def test_a_heartbeat_on_time_keeps_it_quiet(self, rt: Runtime) -> None:
        scan_heartbeats(rt)
        for minute in range(5, 120, 5):
            at(rt, minute)
            beat(rt, message_id=f"m-{minute}")
            scan_heartbeats(rt)
        assert incidents(rt) == []

    def test_a_redelivered_heartbeat_changes_nothing(self, rt: Runtime) -> None:
        at(rt, 1)
        beat(rt, received_at=(T0 + timedelta(minutes=1)).isoformat())
        at(rt, 3)
        outcome = beat(rt, received_at=(T0 + timedelta(minutes=1)).isoformat())
        assert "no-op" in outcome.note
        assert monitor(rt).due_at == T0 + timedelta(minutes=7)

    def test_a_heartbeat_of_a_monitor_the_config_lacks_is_refused(self, rt: Runtime) -> None:
        with pytest.raises(InvalidMessage, match="unknown heartbeat 'nightly'"):
            handle_heartbeat(rt, parse(HEARTBEAT, {"name": "nightly"}), "m-1")

    def test_back_before_its_declaration_was_recorded_it_is_declared_then_resolved(
        self, rt: Runtime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        scan_heartbeats(rt)
        at(rt, 6)
        with monkeypatch.context() as patched:
            patched.setattr(settle_module, "handle_declared", _crash)
            scan_heartbeats(rt)
            at(rt, 7)
            beat(rt)
        assert incidents(rt) == []
        scan_heartbeats(rt)
        [incident] = incidents(rt)
        assert incident.resolved_at is not None
        assert monitor(rt).incident_id is None


class TestTheConfigChanging:
    def test_a_monitor_removed_is_disarmed_and_put_back_starts_again(
        self, rt: Runtime, tmp_path: Path
    ) -> None:
        scan_heartbeats(rt)
        configure(rt, tmp_path, {})
        at(rt, 3)
        scan_heartbeats(rt)
        assert monitor(rt).state == DISARMED
        at(rt, 600)
        scan_heartbeats(rt)
        assert incidents(rt) == []
        configure(rt, tmp_path, {"backup": BACKUP})
        scan_heartbeats(rt)
        assert monitor(rt).due_at == T0 + timedelta(minutes=606)


def _crash(*_: Any, **__: Any) -> Any:
    raise RuntimeError("killed between the miss and its declaration")
