"""Fanning a declaration out: the first page first, the rest in batches, nothing lost in between.

A declaration commits twice: the incident with its first page (claimed by the worker, to be sent
at once), then everything else. These pin down that split, what a crash between the commits
leaves and how the redelivered declaration completes it, and the batched delivery stage.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select, text

from muster.channels.retry import RetryPolicy
from muster.channels.sender import SendResult
from muster.channels.sending_pool import SendingPool
from muster.worker.clock import ManualClock
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.deliveries.claim import Claimed
from muster.worker.deliveries.send import run_batch, send_claimed
from muster.worker.deliveries.sweep import due_deliveries
from muster.worker.incidents.declared import handle_declared
from muster.worker.incidents.fan_out import FAN_OUT_GRACE, complete_fan_outs, handle_fan_out
from muster.worker.incidents.first_page import FirstPage
from muster.worker.incidents.outcome import UnknownIncident
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from muster.worker.store.base import Base
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident, TimelineEntry, Timer
from tests.harness.runtimes import RecordingSender, stub_runtime
from tests.harness.servers import POSTGRES_ADMIN_URL, postgres_database
from tests.harness.waiting import wait_until

pytestmark = pytest.mark.runtime(
    retry=RetryPolicy(attempts=2, initial_wait=1, max_wait=1, total=10)
)

PAYLOAD = {
    "incident_id": "inc-1",
    "title": "Checkout failing",
    "impact": "critical",
    "urgency": "high",
    "services": ["payments-api"],
}


class WorkerDied(BaseException):
    """Stands for a kill -9 between the declaration's two commits (nothing catches it)."""


def declared() -> Any:
    return parse("muster.incident.declared", PAYLOAD)


def sent(rt: Runtime) -> list[str]:
    assert isinstance(rt.sender, RecordingSender)
    return [url for url, _ in rt.sender.sent]


def deliveries(rt: Runtime) -> list[Delivery]:
    with rt.database.transaction() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


class TestFirstPage:
    def test_the_first_page_is_the_head_of_the_list_by_their_first_kind_claimed_as_written(
        self, rt: Runtime
    ) -> None:
        handed: list[list[Claimed]] = []
        outcome = handle_declared(rt, declared(), "m-1", send_first_page=handed.append)
        assert [[(c.person, c.kind) for c in wave] for wave in handed] == [[("bob", "sms")]]
        first = handed[0][0]
        assert outcome.first_page_ids == (first.id,)
        assert outcome.deliveries[0] == first.id
        assert len(set(outcome.deliveries)) == len(outcome.deliveries) == len(deliveries(rt))
        statuses = {row.id: row.status for row in deliveries(rt)}
        assert statuses[first.id] == "sending"  # nobody else may claim it while it is sent
        assert {statuses[i] for i in outcome.deliveries[1:]} == {"pending"}

    def test_the_first_page_goes_out_before_the_rest_is_written(self, rt: Runtime) -> None:
        """Between the commits the incident exists with the first page only."""
        seen: dict[str, Any] = {}

        def send_first_page(claimed: list[Claimed]) -> None:
            seen["rows"] = len(deliveries(rt))
            seen["follow_ups"] = send_claimed(rt, claimed)

        outcome = handle_declared(rt, declared(), "m-1", send_first_page=send_first_page)
        assert seen == {"rows": 1, "follow_ups": ()}
        assert sent(rt) == ["outbox://sms/+353850000002"]
        by_id = {row.id: row for row in deliveries(rt)}
        assert by_id[outcome.first_page_ids[0]].status == "sent"

    def test_without_a_first_page_sender_every_delivery_is_left_to_the_queue(
        self, rt: Runtime
    ) -> None:
        outcome = handle_declared(rt, declared(), "m-1")
        assert outcome.first_page_ids == ()
        assert {row.status for row in deliveries(rt)} == {"pending"}


class TestFirstPageSenderFailing:
    def test_a_first_page_that_cannot_start_sending_still_gets_the_rest_written(
        self, rt: Runtime
    ) -> None:
        def broken(_: list[Claimed]) -> None:
            raise RuntimeError("no thread to send on")

        outcome = handle_declared(rt, declared(), "m-1", send_first_page=broken)
        assert len(outcome.deliveries) == len(deliveries(rt)) > 1
        with rt.database.transaction() as session:
            assert session.get_one(Incident, "inc-1").fanned_out is True


class TestFirstPageHeadStart:
    def test_a_dead_first_channel_delays_the_rest_by_the_head_start_only(self, rt: Runtime) -> None:
        """The first page's channel hangs: the handler goes on after the head start, and the
        recorder records the page once the channel answers, on the one sending pool."""
        answer = threading.Event()
        recording = rt.sender
        assert isinstance(recording, RecordingSender)

        def hanging(url: str, message: RenderedMessage) -> SendResult:
            answer.wait(5)
            return recording(url, message)

        rt.sender = hanging
        rt.sending = SendingPool(threads=2)
        follow_ups: list[tuple[int, ...]] = []
        try:
            outcome = handle_declared(
                rt, declared(), "m-1", send_first_page=FirstPage(rt, follow_ups.append).start
            )
            assert len(outcome.deliveries) == len(deliveries(rt))  # the rest was written meanwhile
            first = set(outcome.first_page_ids)
            assert {row.status for row in deliveries(rt) if row.id in first} == {"sending"}
            answer.set()
            wait_until(lambda: {r.status for r in deliveries(rt) if r.id in first} == {"sent"})
        finally:
            answer.set()
            rt.sending.shutdown()
        assert follow_ups == []


class TestQueuedFanOut:
    def test_the_second_commit_can_be_queued_as_a_task_of_its_own(self, rt: Runtime) -> None:
        """The worker queues the rest of the fan-out behind other declarations: the declaration
        writes its first page only; the queued step writes what an inline run would have."""
        queued: list[tuple[str, str]] = []
        outcome = handle_declared(
            rt,
            declared(),
            "m-1",
            send_first_page=lambda _: None,
            queue_fan_out=lambda incident, message: queued.append((incident, message)),
        )
        assert queued == [("inc-1", "m-1")]
        assert outcome.deliveries == outcome.first_page_ids
        assert len(deliveries(rt)) == 1
        rest = handle_fan_out(rt, "inc-1", "m-1")
        assert sorted(
            row.key for row in deliveries(rt)
        ) == TestCrashBetweenTheCommits.uninterrupted_fan_out(rt)
        assert len(rest.deliveries) == len(deliveries(rt)) - 1
        assert handle_fan_out(rt, "inc-1", "m-1").note == "fan-out already recorded: no-op"
        with rt.database.transaction() as session:
            assert session.get_one(Incident, "inc-1").fanned_out is True


class TestCrashBetweenTheCommits:
    def crash(self, rt: Runtime) -> None:
        """The worker dies right after the first commit (the test stops the second)."""

        def die(_: list[Claimed]) -> None:
            raise WorkerDied

        with pytest.raises(WorkerDied):
            handle_declared(rt, declared(), "m-1", send_first_page=die)

    def test_leaves_the_incident_not_fanned_out_with_only_its_first_page(self, rt: Runtime) -> None:
        self.crash(rt)
        with rt.database.transaction() as session:
            incident = session.get_one(Incident, "inc-1")
            assert incident.fanned_out is False
            assert session.scalars(select(Timer)).all() == []
        assert [(row.person, row.kind, row.status) for row in deliveries(rt)] == [
            ("bob", "sms", "sending")
        ]

    def test_the_redelivered_declaration_completes_the_fan_out_once(self, rt: Runtime) -> None:
        self.crash(rt)
        outcome = handle_declared(rt, declared(), "m-1")
        assert outcome.note == "completed an interrupted fan-out"
        uninterrupted = self.uninterrupted_fan_out(rt)
        keys = sorted(row.key for row in deliveries(rt))
        assert keys == uninterrupted
        assert len(outcome.deliveries) == len(keys) - 1  # all but the first page, already held
        with rt.database.transaction() as session:
            assert session.get_one(Incident, "inc-1").fanned_out is True
            assert session.scalars(select(Timer.kind)).all()
            kinds = session.scalars(select(TimelineEntry.kind)).all()
        assert kinds.count("declared") == 1
        again = handle_declared(rt, declared(), "m-1")
        assert again.note == "duplicate declaration: no-op"
        assert sorted(row.key for row in deliveries(rt)) == keys

    def test_the_first_page_it_held_is_sent_once_its_lease_ends(self, rt: Runtime) -> None:
        self.crash(rt)
        handle_declared(rt, declared(), "m-1")
        first = deliveries(rt)[0]
        assert first.id not in due_deliveries(rt)
        clock = rt.clock
        assert isinstance(clock, ManualClock)
        clock.advance(rt.lease * 2)
        assert first.id in due_deliveries(rt)
        run_batch(rt, [first.id])
        assert sent(rt) == ["outbox://sms/+353850000002"]

    def test_the_sweeper_completes_it_after_a_grace(self, rt: Runtime) -> None:
        """A broker may hold the unacknowledged declaration for an hour: the sweeper does not
        wait for it, and the declaration, when it comes back, finds nothing left to do."""
        self.crash(rt)
        assert complete_fan_outs(rt) == ()  # still within the grace: the worker may be busy
        clock = rt.clock
        assert isinstance(clock, ManualClock)
        clock.advance(FAN_OUT_GRACE * 2)
        completed = complete_fan_outs(rt)
        assert sorted(row.key for row in deliveries(rt)) == self.uninterrupted_fan_out(rt)
        assert len(completed) == len(deliveries(rt)) - 1
        assert complete_fan_outs(rt) == ()
        assert handle_declared(rt, declared(), "m-1").note == "duplicate declaration: no-op"

    def test_a_milestone_meanwhile_waits_for_the_fan_out(self, rt: Runtime) -> None:
        """A resolution (or any milestone) between the commits must not act on an incident
        whose timers are not armed yet: it is retried, as for an incident not yet declared."""
        self.crash(rt)
        resolved = parse("muster.incident.resolved", {"incident_id": "inc-1"})
        with pytest.raises(UnknownIncident):
            handle_resolved(rt, resolved, "m-2")
        handle_declared(rt, declared(), "m-1")
        assert handle_resolved(rt, resolved, "m-2").incident_id == "inc-1"

    @staticmethod
    def uninterrupted_fan_out(rt: Runtime) -> list[str]:
        """The delivery keys the same declaration makes with no crash, on a fresh database."""
        database = Database.connect(str(rt.database.engine.url).replace(".db", "-clean.db"))
        clean = Runtime(
            database=database, config=rt.config, clock=rt.clock, sender=RecordingSender()
        )
        try:
            handle_declared(clean, declared(), "m-1")
            with database.transaction() as session:
                return sorted(session.scalars(select(Delivery.key)))
        finally:
            database.engine.dispose()


class TestBatches:
    def test_a_batch_is_claimed_whole_and_sent_once(self, rt: Runtime) -> None:
        outcome = handle_declared(rt, declared(), "m-1")
        assert run_batch(rt, outcome.deliveries) == ()
        assert len(sent(rt)) == len(outcome.deliveries)
        assert run_batch(rt, outcome.deliveries) == ()  # a redelivered batch claims nothing
        assert len(sent(rt)) == len(outcome.deliveries)
        rows = deliveries(rt)
        assert {row.status for row in rows} == {"sent"}
        assert {row.attempts for row in rows} == {1}
        with rt.database.transaction() as session:
            sent_entries = session.scalars(
                select(TimelineEntry.kind).where(TimelineEntry.kind.like("%_sent"))
            ).all()
        assert len(sent_entries) == len(rows)

    def test_a_failing_channel_falls_back_without_holding_up_the_rest_of_its_batch(
        self, rt: Runtime
    ) -> None:
        assert isinstance(rt.sender, RecordingSender)
        rt.sender.script["outbox://sms/"] = [SendResult(ok=False, error="http-400: bad")] * 10
        outcome = handle_declared(rt, declared(), "m-1")
        follow_ups = run_batch(rt, outcome.deliveries)
        rows = {row.id: row for row in deliveries(rt)}
        failed = [row for row in rows.values() if row.status == "failed"]
        assert {row.kind for row in failed} == {"sms"}
        assert [rows[i].kind for i in follow_ups] == ["email"] * len(follow_ups)
        assert all(rows[i].status == "pending" for i in follow_ups)
        others = [rows[i] for i in outcome.deliveries if rows[i].kind != "sms"]
        assert {row.status for row in others} == {"sent"}


class TestDatabaseRestart:
    def test_pages_sent_while_the_database_restarts_are_still_recorded(
        self, tmp_path: Path
    ) -> None:
        """The server drops every connection mid-batch (as a restart does): the batch's record
        goes through on a fresh connection instead of leaving its pages to be sent again."""
        retry = RetryPolicy(attempts=1, initial_wait=0, max_wait=0, total=1)
        with postgres_database() as url, stub_runtime(url, tmp_path, retry) as rt:
            outcome = handle_declared(rt, declared(), "m-1")
            database = url.rsplit("/", 1)[1]
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            recording = rt.sender
            assert isinstance(recording, RecordingSender)

            def restart_then_send(url: str, message: RenderedMessage) -> SendResult:
                if not recording.sent:
                    with admin.connect() as connection:
                        connection.execute(
                            text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE datname = :name AND pid <> pg_backend_pid()"
                            ),
                            {"name": database},
                        )
                return recording(url, message)

            rt.sender = restart_then_send
            try:
                assert run_batch(rt, outcome.deliveries) == ()
            finally:
                admin.dispose()
            assert {row.status for row in deliveries(rt)} == {"sent"}
            assert len(recording.sent) == len(outcome.deliveries)


class TestFanOutThreads:
    def test_jobs_run_at_once(self) -> None:
        """Four jobs that can only finish together: they must run concurrently."""
        together = threading.Barrier(4, timeout=5)
        fanout = SendingPool(threads=4)
        try:
            groups = list(fanout.run([lambda i=i: (together.wait(), i)[1] for i in range(4)]))
        finally:
            fanout.shutdown()
        assert sorted(index for group in groups for index, _ in group) == [0, 1, 2, 3]

    def test_a_slow_job_does_not_hold_up_the_results_of_the_fast_ones(self) -> None:
        release = threading.Event()

        def slow() -> str:
            release.wait(5)
            return "slow"

        fanout = SendingPool(threads=4, linger=0.01)
        try:
            groups = fanout.run([lambda: "fast", slow, lambda: "fast"])
            before: list[tuple[int, str]] = []
            while len(before) < 2:  # in one group or two, as the machine schedules them
                before += next(groups)
            release.set()
            after = list(groups)
        finally:
            fanout.shutdown()
        assert sorted(before) == [(0, "fast"), (2, "fast")]
        assert after == [[(1, "slow")]]

    def test_with_no_threads_jobs_run_in_order_in_the_caller(self) -> None:
        caller = threading.get_ident()
        groups = list(SendingPool().run([threading.get_ident, threading.get_ident]))
        assert groups == [[(0, caller)], [(1, caller)]]


def test_the_migrations_build_the_schema_the_models_describe(tmp_path: Path) -> None:
    database = Database.connect(f"sqlite:///{tmp_path / 'schema.db'}")
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.engine.dispose()
