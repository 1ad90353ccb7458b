"""Joins never lose severity; redefinitions re-pace the chains they keep.

An incident is as bad as its worst alert: a declaration that joins an open incident by
fingerprint and makes it worse redefines it exactly as a ``redefinition`` milestone does (the
people newly needed paged by the new level's kinds, the people already paged given the kinds
they lacked, chains at the new pace, the rooms told), and a redefinition moves every chain it
keeps to its new level's ``ack_within``, counted from the redefinition.

Every scenario runs on SQLite and on PostgreSQL, with a manual clock at WEDNESDAY_NOON: bob is
the incident commander, dmitri the support lead, frank the scribe (no SMS), heidi the payments
SME, ken the search SME; laura, mallory, judy the next levels.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from muster.worker.core.intake.alerts import AlertWebhook, webhook_message
from muster.worker.incidents.declared import handle_declared
from muster.worker.incidents.fan_out import handle_fan_out
from muster.worker.incidents.milestone import handle_milestone
from muster.worker.incidents.outcome import Outcome, UnknownIncident
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery, Incident, TimelineEntry
from muster.worker.timers.scan import scan
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.declarations import declare
from tests.harness.runtimes import BOTH_DATABASES, TWO_TRIES, clock

pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES, retry=TWO_TRIES)

MINUTE = timedelta(minutes=1)
SEV1_CHAINS = [
    ("laura", "escalation:incident_commander:1"),
    ("mallory", "escalation:support_lead:1"),
    ("frank", "escalation:scribe:1"),
    ("judy", "escalation:sme:payments-api:1"),
]


def contract(rt: Runtime, message_id: str, incident_id: str, **facts: Any) -> Outcome:
    """A contract declaration with the fingerprint ``fp``, on payments-api unless told."""
    payload = {"title": f"Checkout trouble ({incident_id})", "services": ["payments-api"]}
    return declare(
        rt, message_id, base={}, incident_id=incident_id, fingerprint="fp", **{**payload, **facts}
    )


def redefine(rt: Runtime, message_id: str, **change: Any) -> Outcome:
    payload = {"incident_id": "inc-1", "kind": "redefinition", "text": "Redefined", **change}
    return handle_milestone(rt, parse("muster.incident.milestone", payload), message_id)


def alert(name: str, fingerprint: str, **labels: str) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": name, **labels},
        "annotations": {"summary": name},
        "startsAt": WEDNESDAY_NOON.isoformat(),
        "fingerprint": fingerprint,
    }


SEARCH_SLOW = alert("SearchSlow", "a1", service="search", impact="internal", urgency="low")
SEARCH_ERRORS = alert("SearchErrors", "a3", service="search", impact="minor", urgency="low")
PAYMENTS_DOWN = alert("PaymentsDown", "a2", service="payments-api", impact="critical")


def notify(rt: Runtime, message_id: str, *alerts: dict[str, Any]) -> Outcome:
    """What the web intake queues for an Alertmanager notification of one group, handled."""
    body = {"groupKey": '{}:{alertname="checkout"}', "status": "firing", "alerts": list(alerts)}
    hook = AlertWebhook.model_validate(body)
    queued = webhook_message(rt.config.current().routing.config, hook, "alertmanager")
    return declare(rt, message_id, base={}, **queued.payload)


def run_for(rt: Runtime, minutes: int) -> None:
    for _ in range(minutes):
        clock(rt).advance(MINUTE)
        scan(rt)


def pages(rt: Runtime, reason_prefix: str = "") -> list[tuple[str | None, str]]:
    """(person, kind) of every page row whose reason starts with ``reason_prefix``."""
    with rt.database.transaction() as session:
        rows = session.execute(
            select(Delivery.person, Delivery.kind)
            .where(Delivery.purpose == "page", Delivery.reason.startswith(reason_prefix))
            .order_by(Delivery.id)
        )
        return [(person, kind) for person, kind in rows]


def escalations(rt: Runtime) -> list[tuple[str | None, str]]:
    with rt.database.transaction() as session:
        rows = session.execute(
            select(Delivery.person, Delivery.reason)
            .where(Delivery.reason.startswith("escalation:"))
            .order_by(Delivery.id)
        )
        return list(dict.fromkeys((person, reason) for person, reason in rows))


def timeline(rt: Runtime, incident_id: str) -> list[str]:
    with rt.database.transaction() as session:
        kinds = session.scalars(
            select(TimelineEntry.kind)
            .where(TimelineEntry.incident_id == incident_id)
            .order_by(TimelineEntry.id)
        )
        return [kind for kind in kinds if not kind.endswith("_sent")]


def incident(rt: Runtime, incident_id: str) -> Incident:
    with rt.database.transaction() as session:
        return session.get_one(Incident, incident_id)


def upgrade_entry(rt: Runtime) -> TimelineEntry:
    with rt.database.transaction() as session:
        return session.scalars(
            select(TimelineEntry).where(TimelineEntry.key.endswith(":upgrade"))
        ).one()


class TestAlertGroupGettingWorse:
    def test_a_critical_payments_alert_joining_a_sev4_search_group_upgrades_and_pages(
        self, rt: Runtime
    ) -> None:
        """SEV4 on search (ken by chat); the group's next notification adds a critical
        payments-api alert: the incident becomes SEV1 on search and payments-api, everyone a
        SEV1 needs is paged by sms, email and chat, ken only by the sms and email he lacked,
        the timeline says so, and every chain escalates at +5."""
        first = notify(rt, "m-1", SEARCH_SLOW)
        assert first.incident_id is not None
        assert pages(rt) == [("ken", "chat")]
        worse = notify(rt, "m-2", SEARCH_SLOW, PAYMENTS_DOWN)
        assert worse.incident_id == first.incident_id
        assert worse.deliveries
        row = incident(rt, first.incident_id)
        assert (row.severity, row.impact, row.urgency) == ("SEV1", "critical", "medium")
        assert row.services == ["search", "payments-api"]
        assert sorted(pages(rt, "joined:")) == sorted(
            [
                *[("bob", kind) for kind in ("sms", "email", "chat")],
                *[("dmitri", kind) for kind in ("sms", "email", "chat")],
                *[("frank", kind) for kind in ("email", "chat")],
                ("ken", "sms"),
                ("ken", "email"),
                *[("heidi", kind) for kind in ("sms", "email", "chat")],
            ]
        )
        assert timeline(rt, first.incident_id) == ["declared", "joined", "redefinition"]
        entry = upgrade_entry(rt)
        assert (entry.data["was"], entry.data["severity"]) == ("SEV4", "SEV1")
        assert "ken:sms" in entry.data["paged"]
        assert "ken:chat" not in entry.data["paged"]
        run_for(rt, 4)
        assert escalations(rt) == []
        run_for(rt, 1)
        assert sorted(escalations(rt)) == sorted([*SEV1_CHAINS, ("ken", "escalation:sme:search:1")])

    def test_a_group_whose_worst_alert_stops_firing_keeps_the_incident_as_bad(
        self, rt: Runtime
    ) -> None:
        """The critical alert leaves the group and a minor search one joins: the next
        notification is not worse, so it is a timeline entry that pages nobody and lowers
        nothing."""
        first = notify(rt, "m-1", SEARCH_SLOW)
        notify(rt, "m-2", SEARCH_SLOW, PAYMENTS_DOWN)
        before = len(pages(rt))
        better = notify(rt, "m-3", SEARCH_SLOW, SEARCH_ERRORS)
        assert better.deliveries == ()
        assert len(pages(rt)) == before
        assert first.incident_id is not None
        row = incident(rt, first.incident_id)
        assert (row.severity, row.impact) == ("SEV1", "critical")
        assert row.services == ["search", "payments-api"]
        assert timeline(rt, first.incident_id)[-1] == "joined"


class TestContractDeclarationJoining:
    def test_a_worse_declaration_by_fingerprint_upgrades_the_open_incident(
        self, rt: Runtime
    ) -> None:
        """SEV3 on payments-api (dmitri and heidi by chat and email), joined at +2 by a
        critical declaration with its fingerprint: bob and frank are paged, dmitri and heidi
        get the SEV1 SMS, and the kept chains escalate at +7 (SEV1 pace from the join), not at
        +30."""
        contract(rt, "m-1", "inc-1", impact="major", urgency="low")
        assert sorted(pages(rt)) == [
            ("dmitri", "chat"),
            ("dmitri", "email"),
            ("heidi", "chat"),
            ("heidi", "email"),
        ]
        run_for(rt, 2)
        joined = contract(rt, "m-2", "inc-2", impact="critical", urgency="high")
        assert joined.incident_id == "inc-1"
        assert sorted(pages(rt, "joined:inc-2")) == sorted(
            [
                *[("bob", kind) for kind in ("sms", "email", "chat")],
                ("dmitri", "sms"),
                *[("frank", kind) for kind in ("email", "chat")],
                ("heidi", "sms"),
            ]
        )
        assert incident(rt, "inc-1").severity == "SEV1"
        assert timeline(rt, "inc-1") == ["declared", "joined", "redefinition"]
        run_for(rt, 4)
        assert escalations(rt) == []
        run_for(rt, 1)
        assert sorted(escalations(rt)) == sorted(SEV1_CHAINS)

    def test_a_declaration_that_is_not_worse_pages_nobody(self, rt: Runtime) -> None:
        """SEV1 on payments-api joined by a minor declaration on payments-api: a timeline
        entry; the incident keeps its impact and urgency; nobody paged."""
        contract(rt, "m-1", "inc-1", impact="critical", urgency="high")
        before = pages(rt)
        joined = contract(rt, "m-2", "inc-2", impact="minor", urgency="low")
        assert (joined.incident_id, joined.deliveries) == ("inc-1", ())
        assert pages(rt) == before
        row = incident(rt, "inc-1")
        assert (row.severity, row.impact, row.urgency) == ("SEV1", "critical", "high")
        assert timeline(rt, "inc-1") == ["declared", "joined"]

    def test_a_declaration_adding_a_service_pages_its_smes(self, rt: Runtime) -> None:
        """Same severity, one more service: the search SME is paged, nobody else again."""
        contract(rt, "m-1", "inc-1", impact="critical", urgency="high")
        contract(rt, "m-2", "inc-2", impact="critical", urgency="high", services=["search"])
        assert pages(rt, "joined:") == [("ken", "sms"), ("ken", "email"), ("ken", "chat")]
        assert incident(rt, "inc-1").services == ["payments-api", "search"]

    def test_the_joining_declaration_redelivered_pages_nobody_twice(self, rt: Runtime) -> None:
        """Again after the join, and again after the incident was resolved: no new page, one
        joined entry, one redefinition."""
        contract(rt, "m-1", "inc-1", impact="major", urgency="low")
        first = contract(rt, "m-2", "inc-2", impact="critical", urgency="high")
        assert first.deliveries
        written = pages(rt)
        again = contract(rt, "m-2", "inc-2", impact="critical", urgency="high")
        assert (again.incident_id, again.deliveries) == ("inc-1", ())
        assert pages(rt) == written
        assert timeline(rt, "inc-1").count("redefinition") == 1

    def test_two_workers_with_the_same_joining_declaration_page_once(self, rt: Runtime) -> None:
        """The broker redelivers to a second worker while the first is still at it: the
        incident row's lock orders them, and the second finds the join done (or retries on a
        key the first committed, as the task does)."""
        contract(rt, "m-1", "inc-1", impact="major", urgency="low")
        outcomes: list[Outcome] = []

        def worker() -> None:
            for _ in range(5):
                try:
                    outcomes.append(contract(rt, "m-2", "inc-2", impact="critical", urgency="high"))
                    return
                except IntegrityError:
                    continue

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(outcomes) == 2
        assert sum(1 for outcome in outcomes if outcome.deliveries) == 1
        paged = pages(rt, "joined:")
        assert len(paged) == len(set(paged)) == 7
        assert timeline(rt, "inc-1").count("redefinition") == 1

    def test_a_worse_join_before_the_fan_out_is_retried_until_it_is_written(
        self, rt: Runtime
    ) -> None:
        """The open incident's second commit is still queued: the join is retried (as a
        milestone would be) rather than redefine an incident whose pages and timers are not
        written yet; once they are, it upgrades it."""
        queued: list[tuple[str, str]] = []
        payload = {"incident_id": "inc-1", "fingerprint": "fp", "title": "Slow"}
        facts = {"impact": "major", "urgency": "low", "services": ["payments-api"]}
        message = parse("muster.incident.declared", {**payload, **facts})
        handle_declared(rt, message, "m-1", queue_fan_out=lambda *ids: queued.append(ids))
        with pytest.raises(UnknownIncident):
            contract(rt, "m-2", "inc-2", impact="critical", urgency="high")
        assert timeline(rt, "inc-1") == []
        handle_fan_out(rt, *queued[0])
        contract(rt, "m-2", "inc-2", impact="critical", urgency="high")
        assert incident(rt, "inc-1").severity == "SEV1"
        assert ("dmitri", "sms") in pages(rt, "joined:inc-2")

    def test_storm_limits_hold_the_pages_an_upgrade_sends(self, rt: Runtime) -> None:
        """dmitri's SMS window is full (five SEV2s in a minute): the SMS the upgrade owes him
        is held for the digest, the rest goes out."""
        for n in range(5):
            declare(
                rt,
                f"m-sev2-{n}",
                base={},
                incident_id=f"sev2-{n}",
                title="Slow",
                impact="minor",
                urgency="high",
                services=["search"],
            )
        contract(rt, "m-1", "inc-1", impact="major", urgency="low")
        contract(rt, "m-2", "inc-2", impact="critical", urgency="high")
        with rt.database.transaction() as session:
            statuses = dict(
                session.execute(
                    select(Delivery.person, Delivery.status).where(
                        Delivery.reason == "joined:inc-2", Delivery.kind == "sms"
                    )
                ).all()
            )
        assert statuses["dmitri"] == "held"
        assert statuses["heidi"] == "pending"
        assert "page_held" in timeline(rt, "inc-1")


class TestRedefinitionPace:
    def test_sev1_redefined_to_sev3_escalates_30_minutes_after_the_redefinition(
        self, rt: Runtime
    ) -> None:
        """Redefined at +2: the kept support lead's and payments SMEs' chains climb at +32, not
        at +5."""
        contract(rt, "m-1", "inc-1", impact="critical", urgency="high")
        run_for(rt, 2)
        redefine(rt, "m-sev3", impact="major", urgency="low")
        run_for(rt, 29)
        assert escalations(rt) == []
        run_for(rt, 1)
        assert escalations(rt) == [
            ("mallory", "escalation:support_lead:1"),
            ("judy", "escalation:sme:payments-api:1"),
        ]

    def test_sev3_redefined_to_sev1_escalates_at_the_sev1_pace_and_sends_its_sms(
        self, rt: Runtime
    ) -> None:
        """Redefined at +2: dmitri and heidi, paged by chat and email, get the SEV1's SMS; bob
        and frank are paged; every chain climbs at +7, not +30."""
        contract(rt, "m-1", "inc-1", impact="major", urgency="low")
        run_for(rt, 2)
        redefine(rt, "m-sev1", impact="critical", urgency="high")
        assert sorted(pages(rt, "redefinition:")) == sorted(
            [
                *[("bob", kind) for kind in ("sms", "email", "chat")],
                ("dmitri", "sms"),
                *[("frank", kind) for kind in ("email", "chat")],
                ("heidi", "sms"),
            ]
        )
        run_for(rt, 4)
        assert escalations(rt) == []
        run_for(rt, 1)
        assert sorted(escalations(rt)) == sorted(SEV1_CHAINS)

    def test_a_redefinition_that_keeps_the_level_keeps_the_pace(self, rt: Runtime) -> None:
        """SEV1 with a service added at +2: the chains it kept still climb at +5."""
        contract(rt, "m-1", "inc-1", impact="critical", urgency="high")
        run_for(rt, 2)
        redefine(rt, "m-more", services=["payments-api", "search"])
        run_for(rt, 3)
        assert ("laura", "escalation:incident_commander:1") in escalations(rt)
