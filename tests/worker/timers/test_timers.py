"""Escalation, acknowledgement, summaries and reminders, on a clock the tests move by hand.

Every scenario runs on SQLite and on PostgreSQL, since the scan's safety with several scanners
rests on each database's locking. No test sleeps: time is a ManualClock, advanced a minute at a
time, and the scan is called as beat would call it.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from muster.worker.core.rendering.review import review_data, review_markdown
from muster.worker.deliveries.send import run_delivery
from muster.worker.incidents.acknowledged import handle_acknowledged
from muster.worker.incidents.declared import handle_declared
from muster.worker.incidents.milestone import handle_milestone
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import parse
from muster.worker.reports import review_facts
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery, TimelineEntry, Timer
from muster.worker.timers.scan import scan
from tests.harness.runtimes import BOTH_DATABASES, TWO_TRIES, RecordingSender, clock
from tests.harness.timer_runs import MINUTE, declare_sev1, escalations, run_for, summaries

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES, retry=TWO_TRIES)


def send(rt: Runtime, task: str, message_id: str, **payload: Any) -> tuple[int, ...]:
    handlers = {
        "declared": handle_declared,
        "milestone": handle_milestone,
        "acknowledged": handle_acknowledged,
        "resolved": handle_resolved,
    }
    message = parse(f"muster.incident.{task}", payload)
    return handlers[task](rt, message, message_id).deliveries


def redefine(rt: Runtime, message_id: str, **change: Any) -> tuple[int, ...]:
    return send(
        rt,
        "milestone",
        message_id,
        incident_id="inc-1",
        kind="redefinition",
        text="Redefined",
        **change,
    )


class TestEscalation:
    def test_sev1_not_acknowledged_in_5_minutes_pages_the_next_level(self, rt: Runtime) -> None:
        """At +5 min each chain climbs one level, each resolved at that instant."""
        declare_sev1(rt)
        run_for(rt, 4)
        assert escalations(rt) == []
        run_for(rt, 1)
        assert escalations(rt) == [
            ("laura", "escalation:incident_commander:1"),
            ("mallory", "escalation:support_lead:1"),
            ("frank", "escalation:scribe:1"),
            ("judy", "escalation:sme:payments-api:1"),
        ]

    def test_a_timer_that_fails_is_put_off_and_the_rest_of_its_batch_fires(
        self, rt: Runtime
    ) -> None:
        """The scribe's chain is corrupt in the database: its timer fails, is logged and put off
        a minute, and the other chains due with it in the same scan still page their next
        level."""
        declare_sev1(rt)
        with rt.database.transaction() as session:
            broken = session.scalars(
                select(Timer).where(Timer.key == "inc-1:escalation:scribe")
            ).one()
            broken.data = {"role": "scribe"}  # no rotations: firing it raises
        run_for(rt, 5)
        assert escalations(rt) == [
            ("laura", "escalation:incident_commander:1"),
            ("mallory", "escalation:support_lead:1"),
            ("judy", "escalation:sme:payments-api:1"),
        ]
        with rt.database.transaction() as session:
            timer = session.scalars(
                select(Timer).where(Timer.key == "inc-1:escalation:scribe")
            ).one()
            assert timer.state == "pending"
            assert timer.due_at == clock(rt).now() + MINUTE

    def test_an_acknowledgement_at_4_minutes_stops_that_chain(self, rt: Runtime) -> None:
        """Bob acknowledges at +4 min: the incident commander's chain stops; the others climb."""
        declare_sev1(rt)
        run_for(rt, 4)
        send(rt, "acknowledged", "m-ack", incident_id="inc-1", person="bob")
        run_for(rt, 1)
        people = [person for person, _ in escalations(rt)]
        assert "laura" not in people
        assert people == ["mallory", "frank", "judy"]

    def test_an_ack_before_being_paged_does_not_stop_a_later_page(self, rt: Runtime) -> None:
        """Laura (eng managers) acknowledges at +1, before anyone paged her: a note, nothing
        stopped; paged at +5 for the incident commander, her acknowledgement at +6 stops that
        chain, which then pages nobody at +10."""
        declare_sev1(rt)
        run_for(rt, 1)
        send(rt, "acknowledged", "m-early", incident_id="inc-1", person="laura")
        run_for(rt, 4)
        assert ("laura", "escalation:incident_commander:1") in escalations(rt)
        run_for(rt, 1)
        send(rt, "acknowledged", "m-ack", incident_id="inc-1", person="laura")
        run_for(rt, 4)
        ic = [(p, r) for p, r in escalations(rt) if r.startswith("escalation:incident_commander")]
        assert ic == [("laura", "escalation:incident_commander:1")]
        with rt.database.transaction() as session:
            kinds = list(
                session.scalars(
                    select(TimelineEntry.kind)
                    .where(TimelineEntry.actor == "laura", TimelineEntry.kind.like("ack%"))
                    .order_by(TimelineEntry.id)
                )
            )
        assert kinds == ["acknowledged_unpaged", "acknowledged"]

    def test_the_chain_climbs_level_by_level_then_repeats_then_stops(self, rt: Runtime) -> None:
        """payments SME: secondary at +5, eng managers at +10, the SME rotation again at +15,
        and so on once more; then the chain is exhausted and says so."""
        declare_sev1(rt)
        run_for(rt, 40)
        sme = [(p, r) for p, r in escalations(rt) if r.startswith("escalation:sme")]
        assert [p for p, _ in sme] == ["judy", "laura", "heidi", "judy", "laura"]
        with rt.database.transaction() as session:
            kinds = list(session.scalars(select(TimelineEntry.kind)))
            assert "escalation_exhausted" in kinds

    def test_escalated_pages_say_so(self, rt: Runtime) -> None:
        """The escalated person's SMS is marked ESCALATED and names the role."""
        declare_sev1(rt)
        ids = run_for(rt, 5)
        for delivery_id in ids:
            run_delivery(rt, delivery_id)
        assert isinstance(rt.sender, RecordingSender)
        laura_sms = rt.sender.to("outbox://sms/+353850000012")
        assert laura_sms[0].body.startswith("SEV1 ESCALATED inc-1: Checkout failing")

    def test_two_scanners_page_each_step_once(self, rt: Runtime) -> None:
        """Two beats scanning at the same instants: every escalation step is paged once."""
        declare_sev1(rt)
        run_for(rt, 11, scanners=2)
        reasons = [reason for _, reason in escalations(rt)]
        assert len(reasons) == len(set(reasons))
        assert reasons.count("escalation:sme:payments-api:2") == 1

    def test_a_scan_that_dies_before_commit_pages_nothing_and_the_next_one_pages_once(
        self, rt: Runtime
    ) -> None:
        """A crash mid-scan rolls the step back; the next scan takes it, exactly once."""
        declare_sev1(rt)
        clock(rt).advance(5 * MINUTE)
        real = rt.config

        class Crash(Exception):
            pass

        class DyingConfig:
            path = real.path

            def current(self) -> Any:
                raise Crash

        rt.config = DyingConfig()  # type: ignore[assignment]
        with pytest.raises(Crash):
            scan(rt)
        rt.config = real
        assert escalations(rt) == []
        scan(rt)
        scan(rt)
        assert len(escalations(rt)) == 4

    def test_a_role_change_restarts_that_chain_from_the_new_holder(self, rt: Runtime) -> None:
        """Alice takes incident command at +2: her chain escalates 5 min later, at +7, once."""
        declare_sev1(rt)
        run_for(rt, 2)
        send(
            rt,
            "milestone",
            "m-rc",
            incident_id="inc-1",
            kind="role_change",
            text="Alice takes over",
            role="incident_commander",
            person="alice",
        )
        run_for(rt, 4)
        assert ("laura", "escalation:incident_commander:1") not in escalations(rt)
        run_for(rt, 1)
        assert ("laura", "escalation:incident_commander:g1.1") in escalations(rt)

    def test_a_redefinition_to_fewer_roles_and_services_disarms_their_chains(
        self, rt: Runtime
    ) -> None:
        """SEV1 on payments-api redefined at +2 to SEV3 on search (support lead and SMEs only):
        the incident commander's, the scribe's and the payments SMEs' chains are disarmed and
        the timeline lists them; only the support lead's and the search SMEs' chains climb, at
        the SEV3 pace (+32)."""
        declare_sev1(rt)
        run_for(rt, 2)
        redefine(rt, "m-sev3", impact="major", urgency="low", services=["search"])
        with rt.database.transaction() as session:
            entry = session.scalars(
                select(TimelineEntry).where(TimelineEntry.kind == "escalation_disarmed")
            ).one()
            assert entry.data == {"roles": ["incident_commander", "scribe", "sme:payments-api"]}
            assert "incident_commander, scribe, sme:payments-api" in entry.text
            chains = session.scalars(select(Timer).where(Timer.kind == "escalation"))
            states = {timer.key: timer.state for timer in chains}
        assert states["inc-1:escalation:incident_commander"] == "cancelled"
        assert states["inc-1:escalation:sme:payments-api"] == "cancelled"
        assert states["inc-1:escalation:sme:search"] == "pending"
        run_for(rt, 29)
        assert escalations(rt) == []
        run_for(rt, 1)
        assert escalations(rt) == [
            ("mallory", "escalation:support_lead:1"),
            ("ken", "escalation:sme:search:1"),
        ]

    def test_a_redefinition_back_up_rearms_a_disarmed_chain(self, rt: Runtime) -> None:
        """SEV1 → SEV3 at +1 → SEV1 at +2: the incident commander's chain is armed again, as a
        new era of its steps, and climbs 5 min after the second redefinition."""
        declare_sev1(rt)
        run_for(rt, 1)
        redefine(rt, "m-down", impact="major", urgency="low")
        run_for(rt, 1)
        redefine(rt, "m-up", impact="critical", urgency="high")
        run_for(rt, 4)
        assert ("laura", "escalation:incident_commander:g1.1") not in escalations(rt)
        run_for(rt, 1)
        assert ("laura", "escalation:incident_commander:g1.1") in escalations(rt)

    def test_levels_without_ack_within_never_escalate(self, rt: Runtime) -> None:
        """SEV4 has no ack_within: an hour later nobody else has been paged."""
        send(
            rt,
            "declared",
            "m-1",
            incident_id="inc-4",
            title="Search slow",
            impact="internal",
            urgency="low",
            services=["search"],
        )
        run_for(rt, 60)
        assert escalations(rt) == []

    def test_resolving_stops_every_escalation(self, rt: Runtime) -> None:
        """Resolved at +3 min: nothing escalates at +5."""
        declare_sev1(rt)
        run_for(rt, 3)
        send(rt, "resolved", "m-r", incident_id="inc-1", text="Fixed")
        run_for(rt, 10)
        assert escalations(rt) == []


class TestSummaries:
    def test_an_hour_with_two_beats_sends_exactly_four_summaries(self, rt: Runtime) -> None:
        """SEV1 summarises every 15 min: at +15, +30, +45, +60, once each, with two scanners."""
        declare_sev1(rt)
        run_for(rt, 60, scanners=2)
        assert len(summaries(rt)) == 4
        assert len({row.key for row in summaries(rt)}) == 4

    def test_a_quiet_interval_still_gets_a_summary_saying_so(self, rt: Runtime) -> None:
        """Nothing happened: the summary says it was quiet, and who has not acknowledged."""
        declare_sev1(rt)
        run_for(rt, 15)
        body = summaries(rt)[0].body
        assert "Quiet interval" in body
        assert "Not acknowledged: Bob Okafor (Incident commander" in body

    def test_summary_reports_milestones_state_and_impact_since_the_last(self, rt: Runtime) -> None:
        """The second summary has only what happened after the first."""
        declare_sev1(rt)
        run_for(rt, 10)
        send(
            rt,
            "milestone",
            "m-2",
            incident_id="inc-1",
            kind="troubleshooting_result",
            text="Errors began with deploy 1.42",
            author="heidi",
        )
        run_for(rt, 10)
        send(
            rt,
            "milestone",
            "m-3",
            incident_id="inc-1",
            kind="support_update",
            text="Card payments fail for EU customers",
        )
        send(
            rt,
            "milestone",
            "m-4",
            incident_id="inc-1",
            kind="state_change",
            text="Rolling back",
            state="identified",
        )
        send(rt, "acknowledged", "m-5", incident_id="inc-1", person="bob")
        run_for(rt, 10)
        first, second = summaries(rt)[0].body, summaries(rt)[1].body
        assert "Errors began with deploy 1.42" in first
        assert "Errors began" not in second
        assert "Impact: Card payments fail for EU customers" in second
        assert "State: **identified**" in second
        assert "Acknowledged (bob)" in second

    def test_stakeholders_get_a_customer_safe_version(self, rt: Runtime) -> None:
        """No names and no technical milestones in the stakeholder update."""
        declare_sev1(rt)
        send(
            rt,
            "milestone",
            "m-2",
            incident_id="inc-1",
            kind="sme_suggestion",
            text="Restart pod payments-7f9",
            author="heidi",
        )
        run_for(rt, 15)
        with rt.database.transaction() as session:
            update = session.scalar(select(Delivery).where(Delivery.kind == "stakeholders"))
            assert update is not None
            assert "payments-7f9" not in update.body
            assert "Heidi" not in update.body
            assert "Affected services: payments-api" in update.body

    def test_a_redefinition_to_sev3_changes_the_interval(self, rt: Runtime) -> None:
        """SEV1 summarises every 15 min; once redefined to SEV3, every 60 min."""
        declare_sev1(rt)
        run_for(rt, 15)
        send(
            rt,
            "milestone",
            "m-2",
            incident_id="inc-1",
            kind="redefinition",
            text="Only some retries fail",
            impact="major",
            urgency="low",
        )
        run_for(rt, 45)
        assert len(summaries(rt)) == 1
        run_for(rt, 15)
        assert len(summaries(rt)) == 2

    def test_resolving_sends_a_final_summary_and_no_more(self, rt: Runtime) -> None:
        """The final summary goes out at once; the periodic ones stop."""
        declare_sev1(rt)
        run_for(rt, 20)
        send(rt, "resolved", "m-r", incident_id="inc-1", text="Rolled back")
        assert "Final summary" in summaries(rt)[-1].body
        count = len(summaries(rt))
        run_for(rt, 60)
        assert len(summaries(rt)) == count
        with rt.database.transaction() as session:
            states = set(session.scalars(select(Timer.state)))
            assert "pending" not in states


class TestCustomerUpdateReminders:
    def reminders(self, rt: Runtime) -> list[tuple[str | None, str]]:
        with rt.database.transaction() as session:
            rows = session.scalars(select(Delivery).where(Delivery.purpose == "reminder"))
            return [(row.person, row.reason) for row in rows]

    def test_the_support_lead_is_reminded_every_interval(self, rt: Runtime) -> None:
        """SEV1 asks for customer updates every 30 min: Dmitri is reminded at +30 and +60."""
        declare_sev1(rt)
        run_for(rt, 29)
        assert self.reminders(rt) == []
        run_for(rt, 31)
        assert [person for person, _ in self.reminders(rt)] == ["dmitri", "dmitri"]

    def test_a_recent_support_update_postpones_the_reminder(self, rt: Runtime) -> None:
        """An update at +20 means no reminder at +30; the next one is due at +50."""
        declare_sev1(rt)
        run_for(rt, 20)
        send(
            rt,
            "milestone",
            "m-2",
            incident_id="inc-1",
            kind="support_update",
            text="Customers informed",
        )
        run_for(rt, 29)
        assert self.reminders(rt) == []
        run_for(rt, 1)
        assert [person for person, _ in self.reminders(rt)] == ["dmitri"]


class TestReviewExport:
    def test_the_timeline_exports_roles_pages_acks_milestones_and_summaries(
        self, rt: Runtime
    ) -> None:
        """Markdown for the write-up, JSON for tools, from the record."""
        declare_sev1(rt)
        run_for(rt, 6)
        send(rt, "acknowledged", "m-a", incident_id="inc-1", person="bob")
        send(
            rt,
            "milestone",
            "m-s",
            incident_id="inc-1",
            kind="sme_suggestion",
            text="Roll back | now",
            author="heidi",
        )
        run_for(rt, 10)
        send(rt, "resolved", "m-r", incident_id="inc-1", text="Rolled back")
        routing = rt.config.current().routing
        with rt.database.transaction() as session:
            facts = review_facts(session, routing, "inc-1")
        assert facts is not None
        text = review_markdown(facts)
        assert text.startswith("# inc-1: Checkout failing")
        assert "- Incident commander: Bob Okafor" in text
        assert "| SME suggestion | heidi | Roll back \\| now |" in text
        assert "| escalated | laura |" in text
        assert "| summary |" in text
        assert "| Bob Okafor | sms | plan | pending | 0 | yes |" in text
        data = review_data(facts)
        assert data["resolved_at"] == "2026-11-25T12:16:00Z"
        assert [i["kind"] for i in data["items"]].count("acknowledged") == 1
