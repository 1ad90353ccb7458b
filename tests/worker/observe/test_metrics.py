"""The worker's and beat's metrics: counted where each outcome is recorded, and served on
``MUSTER_METRICS_PORT``. In process, on a real database with the channel stubbed and a manual
clock, so every latency is known exactly."""

from __future__ import annotations

import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY, CollectorRegistry
from sqlalchemy import func, select

from muster.channels.sender import SendResult
from muster.config.settings import Settings
from muster.worker.broker.app import make_app
from muster.worker.broker.beat import Scheduler
from muster.worker.deliveries.send import run_delivery
from muster.worker.incidents.dead_letters import dead_letter
from muster.worker.observe import exporter, metrics
from muster.worker.observe.metrics import reason_class
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery, Incident, Timer
from muster.worker.timers.scan import scan
from tests.harness.declarations import declare
from tests.harness.peers.common import free_port
from tests.harness.runtimes import RecordingSender, clock


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def deliver_all(rt: Runtime, ids: tuple[int, ...]) -> None:
    queue = list(ids)
    while queue:
        queue += run_delivery(rt, queue.pop(0))


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - 127.0.0.1
        text: str = answer.read().decode()
        return text


def test_sends_are_counted_by_kind_the_first_page_timed_once_and_served(
    rt: Runtime, tmp_path: Path
) -> None:
    assert isinstance(rt.sender, RecordingSender)
    rt.sender.script["outbox://sms/"] = [SendResult(ok=False, retryable=False, error="http-400")]
    kinds = ("sms", "email", "chat")
    sent_before = {
        kind: value("muster_deliveries_sent_total", purpose="page", kind=kind) for kind in kinds
    }
    failed_before = value("muster_deliveries_failed_total", purpose="page", kind="sms")
    timed_before = (
        value("muster_first_page_seconds_count"),
        value("muster_first_page_seconds_sum"),
    )

    ids = declare(rt, "m-inc-metrics-1", incident_id="inc-metrics-1").deliveries
    clock(rt).advance(timedelta(seconds=2))  # the first page goes out 2 s after the declaration
    deliver_all(rt, ids)

    with rt.database.transaction() as session:
        sent = dict(
            session.execute(
                select(Delivery.kind, func.count())
                .where(Delivery.purpose == "page", Delivery.status == "sent")
                .group_by(Delivery.kind)
            ).all()
        )
        incident = session.get_one(Incident, "inc-metrics-1")
    for kind in kinds:
        counted = value("muster_deliveries_sent_total", purpose="page", kind=kind)
        assert counted - sent_before[kind] == sent.get(kind, 0)
    assert value("muster_deliveries_failed_total", purpose="page", kind="sms") - failed_before == 1
    assert sent.get("email", 0) > 0
    # Once per incident, however many pages: 2 s from the first commit to the first page.
    assert value("muster_first_page_seconds_count") - timed_before[0] == 1
    assert value("muster_first_page_seconds_sum") - timed_before[1] == pytest.approx(2.0)
    assert incident.first_paged_at == incident.declared_at + timedelta(seconds=2)

    # Served on the metrics port: the counters, and the queue depth read from the database.
    registry = CollectorRegistry()
    registry.register(metrics.SENT)
    settings = Settings(
        metrics_port=free_port(), database_url=f"sqlite:///{tmp_path / 'muster.db'}"
    )
    served = exporter.serve(settings, registry)
    assert served is not None
    server, url = served
    try:
        text = scrape(url)
    finally:
        server.shutdown()
        server.server_close()
    assert 'muster_deliveries_sent_total{kind="email",purpose="page"}' in text
    assert 'muster_deliveries_unsent{status="pending"} 0.0' in text
    assert 'muster_deliveries_unsent{status="sending"} 0.0' in text


def test_an_unbindable_metrics_port_is_logged_not_fatal(tmp_path: Path) -> None:
    settings = Settings(metrics_port=free_port(), database_url=f"sqlite:///{tmp_path / 'm.db'}")
    first = exporter.serve(settings, CollectorRegistry())
    assert first is not None
    try:
        assert exporter.serve(settings, CollectorRegistry()) is None  # the port is taken
    finally:
        first[0].shutdown()
        first[0].server_close()
    assert exporter.serve(Settings(metrics_port=None)) is None  # not asked for


def test_timer_lateness_is_how_long_after_its_due_time_the_scan_took_it(rt: Runtime) -> None:
    before = (
        value("muster_timer_lateness_seconds_count", kind="escalation"),
        value("muster_timer_lateness_seconds_sum", kind="escalation"),
    )
    declare(rt, "m-inc-metrics-2", incident_id="inc-metrics-2")  # SEV1: escalations due in 5 min
    clock(rt).advance(timedelta(minutes=5, seconds=30))
    scan(rt)
    with rt.database.transaction() as session:
        fired = session.scalar(
            select(func.count()).where(Timer.kind == "escalation", Timer.fired > 0)
        )
    assert fired
    count = value("muster_timer_lateness_seconds_count", kind="escalation") - before[0]
    late = value("muster_timer_lateness_seconds_sum", kind="escalation") - before[1]
    assert count == fired
    assert late == pytest.approx(30.0 * fired)
    scan(rt)  # nothing due: nothing observed
    assert value("muster_timer_lateness_seconds_count", kind="escalation") - before[0] == fired


def test_a_dead_letter_is_counted_once_by_kind_and_reason_class(rt: Runtime) -> None:
    labels = {"kind": "invalid", "reason": "config"}
    before = value("muster_dead_letters_total", **labels)
    for _ in range(2):  # a redelivered message is kept (and counted) once
        dead_letter(rt, "muster.incident.declared", {}, "unknown impact 'x'", "m-dead-1")
    assert value("muster_dead_letters_total", **labels) - before == 1


@pytest.mark.parametrize(
    ("kind", "reason", "expected"),
    [
        ("invalid", "unknown incident inc-9", "unknown_incident"),
        ("invalid", "internal error: KeyError", "internal_error"),
        ("invalid", "unknown person 'mallory': not in the config", "config"),
        ("invalid", "title: Field required", "contract"),
        ("undecodable", "content type application/x-python-serialize refused", "arrival"),
        ("bad_arguments", "muster.sweep takes no arguments, got 1 positional", "arrival"),
    ],
)
def test_reason_classes_are_bounded(kind: str, reason: str, expected: str) -> None:
    assert reason_class(kind, reason) == expected


class QuietScheduler(Scheduler):
    """The beat's scheduler without its liveness writer (no database in this test)."""

    def start_liveness(self) -> Any:
        return object()

    def close(self) -> None:
        self.liveness = None
        super().close()


def test_the_beat_counts_what_it_sends_and_knows_when_it_is_late(tmp_path: Path) -> None:
    app = make_app(settings=Settings(home=tmp_path, queue="muster-metrics-beat"))
    scheduler = QuietScheduler(app=app)
    try:
        assert not scheduler.on_time()  # never ticked
        delay = scheduler.tick()
        assert scheduler.on_time()
        assert scheduler.due_again is not None
        assert delay >= 0
        before = value("muster_beat_sent_total", task="muster.sweep")
        scheduler.apply_async(scheduler.schedule["sweep"])
        assert value("muster_beat_sent_total", task="muster.sweep") - before == 1
        scheduler.due_again -= 60  # its next tick is a minute overdue: stuck
        assert not scheduler.on_time()
    finally:
        scheduler.close()
