"""The incident flow, message by message, on a real database with the channel port stubbed.

These drive the handlers and the delivery stage directly (no broker), with a manual clock and a
recording sender, to pin down what each message does. The same flows run end to end through real
brokers and real protocol peers in ``tests/integration``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from muster.channels.retry import RetryPolicy
from muster.channels.sender import SendResult
from muster.worker.cli import cli
from muster.worker.clock import ManualClock
from muster.worker.deliveries.send import run_delivery
from muster.worker.deliveries.sweep import due_deliveries
from muster.worker.incidents.acknowledged import handle_acknowledged
from muster.worker.incidents.dead_letters import dead_letter
from muster.worker.incidents.milestone import handle_milestone
from muster.worker.incidents.outcome import UnknownIncident
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import InvalidMessage, parse
from muster.worker.reports import review_facts
from muster.worker.runtime import Runtime
from muster.worker.store.models import DeadLetter, Delivery, Incident, TimelineEntry, Timer
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.declarations import declare
from tests.harness.runtimes import RecordingSender

pytestmark = pytest.mark.runtime(
    retry=RetryPolicy(attempts=3, initial_wait=1, max_wait=2, total=60)
)

TRANSIENT = SendResult(ok=False, retryable=True, error="http-500: boom")
PERMANENT = SendResult(ok=False, retryable=False, error="http-400: bad")


def sender(rt: Runtime) -> RecordingSender:
    assert isinstance(rt.sender, RecordingSender)
    return rt.sender


def declare_ids(rt: Runtime, message_id: str = "m-1", **fields: Any) -> tuple[str, tuple[int, ...]]:
    """The incident the declaration made or joined, and the deliveries it wrote."""
    outcome = declare(rt, message_id, **fields)
    assert outcome.incident_id is not None
    return outcome.incident_id, outcome.deliveries


def deliver_all(rt: Runtime, ids: Iterator[int] | tuple[int, ...] | list[int]) -> None:
    """Run deliveries and their follow-ups (fallbacks) until none are left."""
    queue = list(ids)
    while queue:
        queue += run_delivery(rt, queue.pop(0))


def message(task: str, **payload: Any) -> Any:
    return parse(task, payload)


def timeline(rt: Runtime, incident_id: str = "inc-1") -> list[str]:
    """The incident's timeline kinds, leaving out successful sends."""
    with rt.database.transaction() as session:
        kinds = session.scalars(
            select(TimelineEntry.kind)
            .where(TimelineEntry.incident_id == incident_id)
            .order_by(TimelineEntry.id)
        )
        return [kind for kind in kinds if not kind.endswith("_sent")]


def rows(rt: Runtime) -> list[Delivery]:
    with rt.database.transaction() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


class TestDeclared:
    def test_sev1_on_payments_pages_four_people_and_tells_two_rooms(self, rt: Runtime) -> None:
        """IC, support lead, scribe and payments SME by every kind; incident and payments rooms."""
        _, ids = declare_ids(rt)
        deliver_all(rt, ids)
        pages = [(d.person, d.kind) for d in rows(rt) if d.purpose == "page"]
        assert pages == [
            ("bob", "sms"),
            ("bob", "email"),
            ("bob", "chat"),
            ("dmitri", "sms"),
            ("dmitri", "email"),
            ("dmitri", "chat"),
            ("frank", "email"),
            ("frank", "chat"),
            ("heidi", "sms"),
            ("heidi", "email"),
            ("heidi", "chat"),
        ]
        assert [d.kind for d in rows(rt) if d.purpose == "broadcast"] == [
            "incident_room",
            "room:payments-api",
        ]
        assert all(d.status == "sent" for d in rows(rt))
        assert len(sender(rt).sent) == 13
        assert sender(rt).to("outbox://sms/%2B353850000002") or sender(rt).to("+353850000002")

    def test_same_incident_id_again_is_a_no_op(self, rt: Runtime) -> None:
        """A redelivered declaration creates no second incident and no second page."""
        declare_ids(rt, "m-1")
        _, again = declare_ids(rt, "m-2")
        assert again == ()
        assert len(rows(rt)) == 13

    def test_same_fingerprint_while_open_joins_and_pages_nobody(self, rt: Runtime) -> None:
        """An alert storm: the second declaration becomes a timeline entry of the first."""
        declare_ids(rt, "m-1", fingerprint="alert:payments-5xx")
        joined, ids = declare_ids(rt, "m-2", incident_id="inc-2", fingerprint="alert:payments-5xx")
        assert joined == "inc-1"
        assert ids == ()
        assert timeline(rt) == ["declared", "joined"]

    def test_the_id_of_a_joining_declaration_leads_to_the_open_incident(self, rt: Runtime) -> None:
        """inc-2 joined inc-1 by fingerprint: the producer was given inc-2, so the timeline of
        inc-2 is inc-1's record, and a milestone, an acknowledgement and a resolution sent to
        inc-2 land on inc-1."""
        declare_ids(rt, "m-1", fingerprint="alert:payments-5xx")
        declare_ids(rt, "m-2", incident_id="inc-2", fingerprint="alert:payments-5xx")
        with rt.database.transaction() as session:
            facts = review_facts(session, rt.config.current().routing, "inc-2")
        assert facts is not None
        assert facts.incident_id == "inc-1"
        assert [item.kind for item in facts.items] == ["declared", "joined"]
        note = message(
            "muster.incident.milestone", incident_id="inc-2", kind="note", text="Same alert"
        )
        assert handle_milestone(rt, note, "m-3").incident_id == "inc-1"
        ack = message("muster.incident.acknowledged", incident_id="inc-2", person="bob")
        assert handle_acknowledged(rt, ack, "m-4").note == "escalation stopped"
        done = message("muster.incident.resolved", incident_id="inc-2", text="Fixed")
        assert handle_resolved(rt, done, "m-5").incident_id == "inc-1"
        assert timeline(rt)[:5] == ["declared", "joined", "note", "acknowledged", "resolved"]
        with rt.database.transaction() as session:
            assert session.get(Incident, "inc-2") is None
            incident = session.get(Incident, "inc-1")
            assert incident is not None
            assert incident.state == "resolved"

    def test_muster_timeline_of_the_joining_id_exports_the_open_incident(self, rt: Runtime) -> None:
        """``muster timeline inc-2`` used to say "no incident": it exports inc-1's record."""
        declare_ids(rt, "m-1", fingerprint="fp")
        declare_ids(rt, "m-2", incident_id="inc-2", title="Checkout 5xx again", fingerprint="fp")
        env = {
            "MUSTER_DATABASE_URL": rt.database.engine.url.render_as_string(hide_password=False),
            "MUSTER_CONFIG": str(rt.config.path),
        }
        result = CliRunner().invoke(cli, ["timeline", "inc-2"], env=env)
        assert result.exit_code == 0, result.output
        assert result.output.startswith("# inc-1: Checkout failing")
        assert "Checkout 5xx again" in result.output

    def test_a_redelivered_joining_declaration_changes_nothing(self, rt: Runtime) -> None:
        """The joining declaration again, even after inc-1 freed its fingerprint: still a
        no-op, not a second joined entry nor a new incident under the id that joined."""
        declare_ids(rt, "m-1", fingerprint="fp")
        declare_ids(rt, "m-2", incident_id="inc-2", fingerprint="fp")
        joined, ids = declare_ids(rt, "m-2", incident_id="inc-2", fingerprint="fp")
        assert (joined, ids) == ("inc-1", ())
        handle_resolved(rt, message("muster.incident.resolved", incident_id="inc-1"), "m-3")
        again, ids = declare_ids(rt, "m-2", incident_id="inc-2", fingerprint="fp")
        assert (again, ids) == ("inc-1", ())
        assert timeline(rt).count("joined") == 1
        with rt.database.transaction() as session:
            assert session.get(Incident, "inc-2") is None

    def test_a_resolution_by_fingerprint_resolves_the_open_incident_holding_it(
        self, rt: Runtime
    ) -> None:
        """What the web intake sends for an Alertmanager group that resolved; again: a no-op."""
        declare_ids(rt, "m-1", fingerprint="fp")
        by_fingerprint = message("muster.incident.resolved", fingerprint="fp")
        assert handle_resolved(rt, by_fingerprint, "m-2").incident_id == "inc-1"
        assert "resolved" in timeline(rt)
        again = handle_resolved(rt, by_fingerprint, "m-3")
        assert (again.incident_id, again.note) == ("inc-1", "already resolved")

    def test_a_resolution_by_a_fingerprint_never_declared_waits_for_its_declaration(
        self, rt: Runtime
    ) -> None:
        """Unknown, so retried (the declaration may be a moment behind), then kept."""
        with pytest.raises(UnknownIncident):
            handle_resolved(rt, message("muster.incident.resolved", fingerprint="nope"), "m-1")

    def test_fingerprint_is_free_again_after_resolution(self, rt: Runtime) -> None:
        """Once resolved, the same fingerprint declares a new incident."""
        declare_ids(rt, "m-1", fingerprint="fp")
        handle_resolved(rt, message("muster.incident.resolved", incident_id="inc-1"), "m-2")
        new, ids = declare_ids(rt, "m-3", incident_id="inc-2", fingerprint="fp")
        assert new == "inc-2"
        assert ids

    def test_unknown_impact_is_rejected_not_retried(self, rt: Runtime) -> None:
        """An impact the config does not define makes the message invalid."""
        with pytest.raises(InvalidMessage, match="unknown impact"):
            declare_ids(rt, impact="apocalyptic")

    def test_unknown_service_is_kept_and_routed_to_the_fallback_team(self, rt: Runtime) -> None:
        """The name is kept on the incident, and platform's on-call SME is paged."""
        declare_ids(rt, services=["billing-v2"], impact="internal", urgency="low")
        assert [(d.person, d.kind) for d in rows(rt) if d.purpose == "page"] == [("ken", "chat")]
        with rt.database.transaction() as session:
            incident = session.get(Incident, "inc-1")
            assert incident is not None
            assert incident.services == ["billing-v2"]


class TestDelivery:
    def test_transient_failures_are_retried_and_the_page_sent_once(self, rt: Runtime) -> None:
        """500, 500, then 200: one page delivered, three attempts recorded."""
        sender(rt).script["outbox://sms/+353850000002"] = [TRANSIENT, TRANSIENT]
        _, ids = declare_ids(rt)
        deliver_all(rt, ids)
        sms = next(d for d in rows(rt) if d.person == "bob" and d.kind == "sms")
        assert (sms.status, sms.attempts) == ("sent", 3)

    def test_a_channel_that_keeps_failing_falls_back_to_the_next_kind(self, rt: Runtime) -> None:
        """Chat keeps failing for Heidi: her page falls back to email (already sent: no repeat)."""
        sender(rt).script["outbox://chat/heidi"] = [TRANSIENT] * 10
        sender(rt).script["outbox://sms/+353850000008"] = [PERMANENT]
        _, ids = declare_ids(rt)
        deliver_all(rt, ids)
        heidi = [
            (d.kind, d.status, d.fallback_of is not None) for d in rows(rt) if d.person == "heidi"
        ]
        assert heidi == [
            ("sms", "failed", False),
            ("email", "sent", False),
            ("chat", "failed", False),
        ]
        assert "page_failed" in timeline(rt)

    def test_fallback_creates_a_page_by_a_kind_not_yet_used(self, rt: Runtime) -> None:
        """A SEV4 pages by chat only: when chat fails, email stands in, rendered as email."""
        sender(rt).script["outbox://chat/ken"] = [PERMANENT]
        _, ids = declare_ids(rt, services=["search"], impact="internal", urgency="low")
        deliver_all(rt, ids)
        ken = [(d.kind, d.status) for d in rows(rt) if d.person == "ken"]
        assert ken == [("chat", "failed"), ("email", "sent")]
        email = sender(rt).to("outbox://email/ken")[0]
        assert email.title.startswith("[SEV4] Checkout failing (inc-1) - paged as SME search")

    def test_no_kind_left_is_recorded_as_undeliverable(self, rt: Runtime) -> None:
        """When every kind along the chain fails, the timeline says the person was not reached."""
        sender(rt).script["outbox://"] = [PERMANENT] * 20
        _, ids = declare_ids(rt, services=["search"], impact="internal", urgency="low")
        deliver_all(rt, ids)
        assert "page_undeliverable" in timeline(rt)

    def test_a_delivery_runs_once_even_if_its_task_is_delivered_twice(self, rt: Runtime) -> None:
        """A second task for a sent delivery sends nothing."""
        _, ids = declare_ids(rt)
        deliver_all(rt, ids)
        before = len(sender(rt).sent)
        deliver_all(rt, ids)
        assert len(sender(rt).sent) == before

    def test_sweeper_requeues_what_a_crash_left_behind(self, rt: Runtime) -> None:
        """Rows committed but never delivered come back after the grace period; sent ones never."""
        _, ids = declare_ids(rt)
        deliver_all(rt, ids[:3])
        assert due_deliveries(rt) == []
        assert isinstance(rt.clock, ManualClock)
        rt.clock.advance(timedelta(minutes=2))
        assert due_deliveries(rt) == list(ids[3:])
        assert due_deliveries(rt) == []  # a fresh grace period each time one is found

    def test_a_lease_held_by_a_dead_worker_expires(self, rt: Runtime) -> None:
        """A delivery claimed by a worker that died is sent by the next one after the lease."""
        _, ids = declare_ids(rt)
        with rt.database.transaction() as session:
            row = session.get(Delivery, ids[0])
            assert row is not None
            row.status, row.lease_until = "sending", WEDNESDAY_NOON + rt.lease
        assert run_delivery(rt, ids[0]) == ()
        assert not sender(rt).sent
        assert isinstance(rt.clock, ManualClock)
        rt.clock.advance(rt.lease + timedelta(seconds=1))
        assert ids[0] in due_deliveries(rt)
        run_delivery(rt, ids[0])
        assert len(sender(rt).sent) == 1


class TestMilestones:
    def milestone(self, rt: Runtime, message_id: str, **payload: Any) -> tuple[int, ...]:
        parsed = message("muster.incident.milestone", incident_id="inc-1", **payload)
        return handle_milestone(rt, parsed, message_id).deliveries

    def test_milestone_is_on_the_timeline_and_broadcast(self, rt: Runtime) -> None:
        """An SME suggestion goes to the incident room and the payments room."""
        declare_ids(rt)
        ids = self.milestone(
            rt, "m-2", kind="sme_suggestion", text="Roll back 1.42", author="heidi"
        )
        deliver_all(rt, ids)
        assert timeline(rt) == ["declared", "sme_suggestion"]
        rooms = sender(rt).to("outbox://room/")
        assert any("Roll back 1.42" in m.body and "SME suggestion" in m.body for m in rooms)

    def test_a_redelivered_milestone_is_recorded_once(self, rt: Runtime) -> None:
        """The same milestone id twice: one timeline entry, one broadcast."""
        declare_ids(rt)
        first = self.milestone(rt, "m-2", kind="note", text="n", milestone_id="ms-1")
        second = self.milestone(rt, "m-3", kind="note", text="n", milestone_id="ms-1")
        assert first
        assert second == ()
        assert timeline(rt).count("note") == 1

    def test_redefinition_pages_the_people_newly_needed_and_the_kinds_others_lack(
        self, rt: Runtime
    ) -> None:
        """SEV4 on search → SEV1 on search and payments: the new roles and SMEs are paged;
        Ken, already paged by chat as the search SME, gets only the SEV1's SMS and email."""
        declare_ids(rt, services=["search"], impact="internal", urgency="low")
        ids = self.milestone(
            rt,
            "m-2",
            kind="redefinition",
            text="Checkout down too",
            impact="critical",
            urgency="high",
            services=["search", "payments-api"],
        )
        newly = {(d.person, d.kind) for d in rows(rt) if d.id in ids and d.purpose == "page"}
        assert {person for person, _ in newly} == {"bob", "dmitri", "frank", "heidi", "ken"}
        assert {kind for person, kind in newly if person == "ken"} == {"sms", "email"}
        with rt.database.transaction() as session:
            incident = session.get(Incident, "inc-1")
            assert incident is not None
            assert (incident.severity, incident.impact_statement) == ("SEV1", "Checkout down too")

    def test_role_change_pages_the_new_holder(self, rt: Runtime) -> None:
        """Handing incident command to Alice pages Alice as incident commander."""
        declare_ids(rt)
        ids = self.milestone(
            rt,
            "m-2",
            kind="role_change",
            text="Alice takes over",
            role="incident_commander",
            person="alice",
        )
        alice = [d for d in rows(rt) if d.id in ids and d.person == "alice"]
        assert [d.kind for d in alice] == ["sms", "email", "chat"]
        assert "paged as Incident commander" in next(d for d in alice if d.kind == "email").title

    def test_engage_pages_named_people_and_on_call_smes_of_named_services(
        self, rt: Runtime
    ) -> None:
        """The IC pulls in Laura and the search on-call (Ken); search is not added to the impact."""
        declare_ids(rt)
        ids = self.milestone(
            rt, "m-2", kind="engage", text="Need search help", people=["laura"], services=["search"]
        )
        assert sorted({d.person for d in rows(rt) if d.id in ids and d.purpose == "page"}) == [
            "ken",
            "laura",
        ]
        with rt.database.transaction() as session:
            incident = session.get(Incident, "inc-1")
            assert incident is not None
            assert incident.services == ["payments-api"]

    def test_state_change_updates_the_state(self, rt: Runtime) -> None:
        """identified is recorded on the incident."""
        declare_ids(rt)
        self.milestone(rt, "m-2", kind="state_change", text="Found it", state="identified")
        with rt.database.transaction() as session:
            incident = session.get(Incident, "inc-1")
            assert incident is not None
            assert incident.state == "identified"

    def test_unknown_person_in_role_change_is_invalid(self, rt: Runtime) -> None:
        """A person the config does not know cannot be handed a role."""
        declare_ids(rt)
        with pytest.raises(InvalidMessage, match="unknown person"):
            self.milestone(rt, "m-2", kind="role_change", text="x", role="scribe", person="nobody")

    def test_milestone_for_an_unknown_incident_is_retryable(self, rt: Runtime) -> None:
        """A milestone that overtook its declaration raises UnknownIncident (the task retries)."""
        with pytest.raises(UnknownIncident):
            self.milestone(rt, "m-2", kind="note", text="early")


class TestAckAndResolve:
    def test_ack_is_recorded_once(self, rt: Runtime) -> None:
        """An acknowledgement is a timeline entry; a repeat is a no-op."""
        declare_ids(rt)
        ack = message("muster.incident.acknowledged", incident_id="inc-1", person="bob")
        handle_acknowledged(rt, ack, "m-2")
        handle_acknowledged(rt, ack, "m-3")
        assert timeline(rt).count("acknowledged") == 1

    def test_ack_from_someone_not_in_the_config_is_invalid(self, rt: Runtime) -> None:
        """``muster ack ID --person nobody``: refused with a reason (a dead letter), not an
        acknowledgement."""
        declare_ids(rt)
        ack = message("muster.incident.acknowledged", incident_id="inc-1", person="nobody")
        with pytest.raises(InvalidMessage, match="unknown person 'nobody'"):
            handle_acknowledged(rt, ack, "m-2")
        assert "acknowledged" not in timeline(rt)

    def test_ack_from_someone_not_paged_is_a_note_that_stops_nothing(self, rt: Runtime) -> None:
        """Alice is in the config but was not paged for this incident: her acknowledgement is
        noted on the timeline, the outcome says so, and every escalation keeps going."""
        declare_ids(rt)
        ack = message("muster.incident.acknowledged", incident_id="inc-1", person="alice")
        outcome = handle_acknowledged(rt, ack, "m-2")
        assert outcome.note == "alice was not paged for this incident: noted, nothing stopped"
        assert timeline(rt) == ["declared", "acknowledged_unpaged"]
        again = handle_acknowledged(rt, ack, "m-3")
        assert again.note == "already noted"
        with rt.database.transaction() as session:
            states = set(session.scalars(select(Timer.state).where(Timer.kind == "escalation")))
        assert states == {"pending"}

    def test_resolve_closes_and_tells_the_rooms(self, rt: Runtime) -> None:
        """Resolved: state, time, and a broadcast saying how long it lasted."""
        declare_ids(rt)
        assert isinstance(rt.clock, ManualClock)
        rt.clock.advance(timedelta(minutes=42))
        outcome = handle_resolved(
            rt, message("muster.incident.resolved", incident_id="inc-1", text="Rolled back"), "m-2"
        )
        deliver_all(rt, outcome.deliveries)
        assert any("resolved after 42m" in m.body for m in sender(rt).to("outbox://room/"))
        with rt.database.transaction() as session:
            incident = session.get(Incident, "inc-1")
            assert incident is not None
            assert incident.state == "resolved"


class TestInvalidMessages:
    @pytest.mark.parametrize(
        ("payload", "reason"),
        [
            ({"title": "x", "impact": "critical", "urgency": "high"}, "services: Field required"),
            (
                {
                    "title": "x",
                    "impact": "critical",
                    "urgency": "high",
                    "services": ["a"],
                    "colour": "red",
                },
                "colour: unknown field",
            ),
            (
                {"title": "", "impact": "critical", "urgency": "high", "services": ["a"]},
                "title: String should have at least 1 character",
            ),
            (
                {
                    "incident_id": "bad id!",
                    "title": "x",
                    "impact": "critical",
                    "urgency": "high",
                    "services": ["a"],
                },
                "incident_id: String should match pattern",
            ),
        ],
    )
    def test_contract_violations_name_the_field(self, payload: dict[str, Any], reason: str) -> None:
        """Each violation says which field and why, without echoing values."""
        with pytest.raises(InvalidMessage) as raised:
            parse("muster.incident.declared", payload)
        assert reason in raised.value.reason

    def test_dead_letter_keeps_the_message_once(self, rt: Runtime) -> None:
        """A rejected message is kept whole, once per message id, for replay."""
        first = dead_letter(rt, "muster.incident.declared", {"x": 1}, "bad", "m-9")
        again = dead_letter(rt, "muster.incident.declared", {"x": 1}, "bad", "m-9")
        assert first == again
        with rt.database.transaction() as session:
            letters = list(session.scalars(select(DeadLetter)))
            assert [(d.task, d.payload, d.reason) for d in letters] == [
                ("muster.incident.declared", {"x": 1}, "bad")
            ]


class TestConfigReload:
    def test_an_invalid_edit_keeps_the_last_good_config(
        self, rt: Runtime, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Breaking the file mid-incident: the old config keeps paging."""
        rt.config.path.write_text("severity: [not, a, mapping]\n")
        assert rt.config.current().routing.config.people["bob"].name == "Bob Okafor"
        assert rt.config.last_error is not None

    def test_a_valid_edit_applies_without_restart(self, rt: Runtime) -> None:
        """Renaming Bob in the file shows in the next page."""
        path: Path = rt.config.path
        path.write_text(path.read_text().replace("Bob Okafor", "Robert Okafor"))
        _, ids = declare_ids(rt)
        with rt.database.transaction() as session:
            row = session.get(Delivery, ids[1])
            assert row is not None
            assert "Robert Okafor" in row.body
