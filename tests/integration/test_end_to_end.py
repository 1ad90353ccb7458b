"""End to end: a message queued on a real broker reaches real protocol peers through a real worker.

Each broker (the embedded default, Redis, RabbitMQ) gets a stack: a ``muster worker --beat``
subprocess with its own queue and database (SQLite for the embedded broker, PostgreSQL for the
servers), an SMTP server, a Mattermost webhook server and a signal-cli REST server on 127.0.0.1.
Producers are the ``muster`` CLI and the Python client. The assertions are on what the peers
received, and on the database the worker wrote.
"""

from __future__ import annotations

import uuid

import pytest
import yaml
from sqlalchemy import func, select

from muster.worker.store.models import (
    DeadLetter,
    DeliveryAttempt,
    TimelineEntry,
)
from muster.worker.tasks.names import DECLARED
from tests.harness.end_to_end_stack import Stack
from tests.harness.muster_processes import MusterWorker
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.wallclock]


class TestPaging:
    def test_sev1_on_payments_pages_everyone_by_sms_email_and_chat(self, fresh: Stack) -> None:
        """Declared with the CLI: the IC, support lead, scribe and payments SME get SMS, email and
        chat (Frank has no SMS: his email covers it), and both rooms hear of it."""
        incident = fresh.cli(
            "declare",
            "--title",
            "Checkout failing",
            "--impact",
            "critical",
            "--urgency",
            "high",
            "--service",
            "payments-api",
            "--link",
            "conference=https://meet.example.test/inc",
        )
        wait_until(lambda: fresh.settled(incident))
        assert fresh.emails(incident).keys() == {
            "bob@example.com",
            "dmitri@example.com",
            "frank@example.com",
            "heidi@example.com",
        }
        assert all(len(subjects) == 1 for subjects in fresh.emails(incident).values())
        assert fresh.texts(incident) == {"+353850000002": 1, "+353850000004": 1, "+353850000008": 1}
        assert fresh.chats(incident) == {
            "bob": 1,
            "dmitri": 1,
            "frank": 1,
            "heidi": 1,
            "incidents": 1,
            "payments-incidents": 1,
        }
        sms = next(m.text for m in fresh.sms.messages if m.to == "+353850000002")
        assert f"SEV1 {incident}: Checkout failing | you: Incident commander" in sms
        assert "https://meet.example.test/inc" in sms

    def test_python_client_declares_and_returns_the_id(self, fresh: Stack) -> None:
        """A SEV4 on search from a monitoring hook: only the search SME, by chat."""
        incident = fresh.client().declare(
            title="Search latency",
            impact="internal",
            urgency="low",
            services=["search"],
            source="alertmanager",
        )
        wait_until(lambda: fresh.settled(incident))
        assert fresh.chats(incident) == {"ken": 1, "incidents": 1}
        assert fresh.emails(incident) == {}
        assert fresh.texts(incident) == {}


class TestFaults:
    def test_500_twice_then_200_delivers_the_page_once(self, fresh: Stack) -> None:
        """The chat peer fails the first two posts: every chat page still arrives exactly once."""
        fresh.chat.fail_next(2, status=500)
        incident = fresh.client().declare(
            title="Search down", impact="internal", urgency="low", services=["search"]
        )
        wait_until(lambda: fresh.settled(incident))
        assert fresh.chats(incident) == {"ken": 1, "incidents": 1}

    def test_a_dead_sms_gateway_falls_back_to_email(self, fresh: Stack) -> None:
        """SEV2 pages by SMS and chat; with the gateway down, each person gets an email instead."""
        fresh.sms.set_down()
        incident = fresh.client().declare(
            title="Payments slow", impact="major", urgency="medium", services=["payments-api"]
        )
        wait_until(lambda: fresh.settled(incident))
        assert fresh.texts(incident) == {}
        assert fresh.emails(incident).keys() == {
            "bob@example.com",
            "dmitri@example.com",
            "heidi@example.com",
            "frank@example.com",
        }
        assert fresh.chats(incident)["heidi"] == 1

    def test_a_slow_sms_gateway_does_not_hold_up_chat_and_email(self, fresh: Stack) -> None:
        """The gateway answers each text after 3 s, the first page (Bob's SMS) included: every
        chat and email page arrives before any text does, and each text still arrives once."""
        fresh.sms.delay = 3.0
        try:
            incident = fresh.client().declare(
                title="Checkout failing",
                impact="critical",
                urgency="high",
                services=["payments-api"],
            )
            wait_until(lambda: len(fresh.chats(incident)) == 6 and len(fresh.emails(incident)) == 4)
            assert fresh.texts(incident) == {}
            wait_until(lambda: fresh.settled(incident))
        finally:
            fresh.sms.delay = 0.0
        assert fresh.texts(incident) == {"+353850000002": 1, "+353850000004": 1, "+353850000008": 1}

    def test_an_invalid_message_is_dead_lettered_and_the_next_one_delivered(
        self, fresh: Stack
    ) -> None:
        """A declaration without services goes to dead letters; the worker carries on."""
        client = fresh.client()
        # Sent as given: send_call does not check the contract (a dead letter's replay).
        bad = client.send_call(
            DECLARED, [{"title": "no services", "impact": "critical", "urgency": "high"}], {}
        )
        incident = client.declare(
            title="Search again", impact="internal", urgency="low", services=["search"]
        )
        wait_until(lambda: fresh.settled(incident))
        with fresh.database.transaction() as session:
            letter = session.scalar(select(DeadLetter).where(DeadLetter.message_id == bad))
            assert letter is not None
            assert letter.reason == "services: Field required"
        listed = fresh.cli("dead-letters", "list")
        assert "services: Field required" in listed

    def test_a_redelivered_declaration_sends_nothing_twice(self, fresh: Stack) -> None:
        """The same declaration queued twice: one incident, one set of pages."""
        client = fresh.client()
        payload = {
            "incident_id": f"inc-{uuid.uuid4().hex[:8]}",
            "title": "Twice",
            "impact": "internal",
            "urgency": "low",
            "services": ["search"],
        }
        client.send(DECLARED, payload)
        client.send(DECLARED, payload)
        incident = payload["incident_id"]
        wait_until(lambda: fresh.settled(incident))
        wait_until(lambda: _timeline_count(fresh, incident) >= 1)
        assert fresh.chats(incident) == {"ken": 1, "incidents": 1}

    def test_an_invalid_config_edit_keeps_the_last_good_config(self, fresh: Stack) -> None:
        """Breaking the config file does not stop paging; the worker logs the rejected edit."""
        good = fresh.config.read_text()
        try:
            fresh.config.write_text(good.replace("smes: search-oncall", "smes: no-such-rotation"))
            wait_until(lambda: "config.reload_rejected" in fresh.worker.log_text())
            assert "unknown rotation 'no-such-rotation'" in fresh.worker.log_text()
            incident = fresh.client().declare(
                title="During a bad edit", impact="internal", urgency="low", services=["search"]
            )
            wait_until(lambda: fresh.settled(incident))
            assert fresh.chats(incident) == {"ken": 1, "incidents": 1}
        finally:
            fresh.config.write_text(good)


class TestCrashes:
    def test_kill_9_mid_delivery_loses_no_page(self, fresh: Stack) -> None:
        """With every chat post taking a second, the worker is killed mid-fan-out; started again,
        it delivers every page the incident needs."""
        fresh.chat.delay = 1.0
        try:
            incident = fresh.client().declare(
                title="Crash test", impact="critical", urgency="high", services=["payments-api"]
            )
            wait_until(lambda: fresh.texts(incident))
            fresh.worker.kill()
        finally:
            fresh.chat.delay = 0.0
        fresh.worker.start()
        wait_until(lambda: fresh.settled(incident), timeout=60)
        chats = fresh.chats(incident)
        assert {"bob", "dmitri", "frank", "heidi", "incidents", "payments-incidents"} <= set(chats)
        assert fresh.emails(incident).keys() == {
            "bob@example.com",
            "dmitri@example.com",
            "frank@example.com",
            "heidi@example.com",
        }


class TestScaleOut:
    # Server brokers only: the embedded broker is for one worker process (see the README).
    @pytest.mark.parametrize("stack", ["redis", "rabbitmq"], indirect=True)
    def test_a_second_worker_on_the_same_host_shares_the_work(self, fresh: Stack) -> None:
        """Two worker processes on one host and queue (one beat): both start, and a SEV1's
        pages each arrive exactly once however the two split the batches."""
        second = MusterWorker(home=fresh.home, env=fresh.env, beat=False, name="second")
        try:
            second.start()
            incident = fresh.client().declare(
                title="Checkout failing",
                impact="critical",
                urgency="high",
                services=["payments-api"],
            )
            wait_until(lambda: fresh.settled(incident))
            assert second.process is not None
            assert second.process.poll() is None
            assert fresh.worker.process is not None
            assert fresh.worker.process.poll() is None
        finally:
            second.stop()
        assert fresh.texts(incident) == {"+353850000002": 1, "+353850000004": 1, "+353850000008": 1}
        assert all(count == 1 for count in fresh.chats(incident).values())
        assert all(len(subjects) == 1 for subjects in fresh.emails(incident).values())


class TestEscalationCrash:
    def test_kill_9_during_escalation_pages_each_step_once(self, fresh: Stack) -> None:
        """SEV4 edited to escalate every 2 s: the worker is killed after the first step;
        started again, the chain finishes and every step was paged exactly once."""
        good = fresh.config.read_text()
        document = yaml.safe_load(good)
        document["severity"]["levels"]["SEV4"]["ack_within"] = "2s"
        reloads = fresh.worker.log_text().count("config.reloaded")
        try:
            fresh.config.write_text(yaml.safe_dump(document, sort_keys=False))
            wait_until(lambda: fresh.worker.log_text().count("config.reloaded") > reloads)
            incident = fresh.client().declare(
                title="Slow payments batch",
                impact="internal",
                urgency="low",
                services=["payments-api"],
            )
            wait_until(lambda: _kinds(fresh, incident).count("escalated") >= 1)
            fresh.worker.kill()
            fresh.worker.start()
            wait_until(lambda: "escalation_exhausted" in _kinds(fresh, incident), timeout=60)
            wait_until(lambda: fresh.settled(incident))
        finally:
            fresh.config.write_text(good)
        with fresh.database.transaction() as session:
            steps = list(
                session.scalars(
                    select(TimelineEntry.actor)
                    .where(TimelineEntry.incident_id == incident, TimelineEntry.kind == "escalated")
                    .order_by(TimelineEntry.id)
                )
            )
        assert steps == ["judy", "laura", "heidi", "judy", "laura"]
        assert fresh.chats(incident)["judy"] >= 2
        assert fresh.chats(incident)["laura"] >= 2


def _kinds(stack: Stack, incident_id: str) -> list[str]:
    with stack.database.transaction() as session:
        return list(
            session.scalars(
                select(TimelineEntry.kind).where(TimelineEntry.incident_id == incident_id)
            )
        )


def _timeline_count(stack: Stack, incident_id: str) -> int:
    with stack.database.transaction() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(TimelineEntry)
                .where(TimelineEntry.incident_id == incident_id, TimelineEntry.kind == "declared")
            )
            or 0
        )


class TestNothingPrivateLeaks:
    def test_no_address_or_token_in_logs_attempts_or_timeline(self, fresh: Stack) -> None:
        """After every scenario above (failures included), neither the worker's log nor the
        delivery attempts nor the timeline holds a phone number, an email address or the
        webhook token."""
        document = yaml.safe_load(fresh.config.read_text())
        private = {
            address
            for person in document["people"].values()
            for kind, address in person.items()
            if kind in {"sms", "email"}
        } | {fresh.chat.token}
        with fresh.database.transaction() as session:
            errors = list(session.scalars(select(DeliveryAttempt.error)))
            texts = list(session.scalars(select(TimelineEntry.text)))
        records = "\n".join([fresh.worker.log_text(), *filter(None, errors), *texts])
        assert any(errors), "the scenarios above should have recorded failed attempts"
        leaked = sorted(value for value in private if value in records)
        assert leaked == []
