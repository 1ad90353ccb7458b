"""Scenarios for the page plan: who is paged, for which role, by which kinds, and what follows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from muster.config.loader import LoadedConfig
from muster.worker.core.paging.escalation import escalation_timeline
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import PagePlan, build_page_plan
from muster.worker.core.paging.routing import Routing, RoutingError
from tests.harness.configs import WEDNESDAY_NOON, minimal_document


def declare(
    routing: Routing, impact: str, urgency: str, *services: str, at: Any = WEDNESDAY_NOON
) -> PagePlan:
    incident = Incident(id="inc-1", title="t", impact=impact, urgency=urgency, services=services)
    return build_page_plan(routing, incident, at)


def summary(plan: PagePlan) -> list[tuple[str, list[str], list[str]]]:
    return [(p.person, [a.label for a in p.assignments], list(p.kinds)) for p in plan.pages]


class TestSeverity:
    def test_matrix_gives_severity(self, example: Routing) -> None:
        """Impact × urgency picks the cell of the matrix."""
        assert example.severity("critical", "high").name == "SEV1"
        assert example.severity("major", "low").name == "SEV3"
        assert example.severity("internal", "low").name == "SEV4"

    def test_rank_orders_levels_most_severe_first(self, example: Routing) -> None:
        """SEV1 ranks above SEV4, in the order the levels are listed."""
        assert example.severity("critical", "high").rank == 0
        assert example.severity("internal", "low").rank == 3

    @pytest.mark.parametrize(("impact", "urgency"), [("apocalyptic", "high"), ("major", "now")])
    def test_unknown_impact_or_urgency_is_a_clear_error(
        self, example: Routing, impact: str, urgency: str
    ) -> None:
        """A value the config does not define names the values it does."""
        with pytest.raises(RoutingError, match="the config defines"):
            example.severity(impact, urgency)


class TestSev1OnPayments:
    def test_pages_ic_support_lead_scribe_and_payments_sme_by_sms_email_and_chat(
        self, example: Routing
    ) -> None:
        """A SEV1 on payments-api pages the incident commander, the support lead, the scribe and
        the payments SME by SMS, email and chat."""
        plan = declare(example, "critical", "high", "payments-api")
        assert plan.severity == "SEV1"
        assert summary(plan) == [
            ("bob", ["incident_commander"], ["sms", "email", "chat"]),
            ("dmitri", ["support_lead"], ["sms", "email", "chat"]),
            ("frank", ["scribe"], ["email", "chat"]),
            ("heidi", ["sme:payments-api"], ["sms", "email", "chat"]),
        ]

    def test_person_without_sms_falls_back_to_email_once(self, example: Routing) -> None:
        """Frank has no SMS: email stands in for it, and he still gets one email, not two."""
        plan = declare(example, "critical", "high", "payments-api")
        frank = plan.page_for("frank")
        assert frank is not None
        assert [(c.kind, c.requested) for c in frank.contacts] == [
            ("email", "sms"),
            ("chat", "chat"),
        ]
        assert frank.contacts[0].is_fallback

    def test_escalation_chains_follow_role_then_service(self, example: Routing) -> None:
        """The IC climbs to eng-managers; the payments SME to payments-secondary, then managers."""
        plan = declare(example, "critical", "high", "payments-api")
        chains = {(c.role, c.service): c.rotations for c in plan.escalations}
        assert chains[("incident_commander", None)] == ("incident-commanders", "eng-managers")
        assert chains[("sme", "payments-api")] == (
            "payments-oncall",
            "payments-secondary",
            "eng-managers",
        )


class TestSmesOfImpactedServicesOnly:
    def test_only_smes_of_named_services_are_paged(self, example: Routing) -> None:
        """A SEV4 on search pages the search SME alone, by chat."""
        plan = declare(example, "internal", "low", "search")
        assert summary(plan) == [("ken", ["sme:search"], ["chat"])]

    def test_one_person_holding_two_roles_is_paged_once_naming_both(self, example: Routing) -> None:
        """Ken is on call for search and platform: one page, both roles named."""
        plan = declare(example, "internal", "low", "search", "platform")
        assert summary(plan) == [("ken", ["sme:search", "sme:platform"], ["chat"])]

    def test_unknown_service_goes_to_the_fallback_team_and_is_flagged(
        self, example: Routing
    ) -> None:
        """An unknown service is kept, flagged, and its page goes to the platform SMEs."""
        plan = declare(example, "minor", "low", "billing-v2")
        assert plan.unknown_services == ("billing-v2",)
        assert summary(plan) == [("ken", ["sme:platform"], ["chat"])]
        assert plan.services[0].handled_by == "platform"

    def test_duplicate_service_names_count_once(self, example: Routing) -> None:
        """Naming a service twice pages its SME once."""
        plan = declare(example, "internal", "low", "search", "search")
        assert len(plan.pages) == 1


class TestRotationsAtTheInstant:
    def test_override_wins_over_the_rotation(self, example: Routing) -> None:
        """Carol covers the incident commanders over Christmas, whoever's week it is."""
        christmas = WEDNESDAY_NOON.replace(month=12, day=25)
        plan = declare(example, "critical", "high", "search", at=christmas)
        assert plan.pages[0].person == "carol"

    def test_weekly_handoff_changes_the_commander(self, example: Routing) -> None:
        """A week later the next member of incident-commanders is paged."""
        plan = declare(
            example, "critical", "high", "search", at=WEDNESDAY_NOON + timedelta(weeks=1)
        )
        assert plan.pages[0].person == "carol"
        plan = declare(
            example, "critical", "high", "search", at=WEDNESDAY_NOON + timedelta(weeks=2)
        )
        assert plan.pages[0].person == "alice"


class TestGaps:
    def test_empty_rotation_is_covered_by_its_escalation(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        """Nobody in the commanders rotation: the managers are paged at once, the gap reported."""
        document = minimal_document()
        document["rotations"]["commanders"] = {"members": []}
        routing = load_yaml(document).routing
        plan = declare(routing, "major", "high", "api")
        assert summary(plan)[0] == ("dan", ["commander"], ["chat", "email"])
        assert plan.pages[0].assignments[0].escalation_level == 1
        assert [(g.role, g.rotation, g.covered_by) for g in plan.gaps] == [
            ("commander", "commanders", "managers")
        ]

    def test_nobody_anywhere_is_a_gap_with_no_cover(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        """With the whole chain empty, the plan says nobody covers the role."""
        document = minimal_document()
        document["rotations"]["commanders"] = {"members": []}
        document["rotations"]["managers"] = {"members": []}
        plan = declare(load_yaml(document).routing, "major", "high", "api")
        assert [p.person for p in plan.pages] == ["cat"]
        assert plan.gaps[0].covered_by is None

    def test_person_with_no_route_for_a_kind_is_reported_unreachable(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        """Without an address along the fallback chain, the kind is listed as unreachable."""
        document = minimal_document()
        document["people"]["cat"] = {"name": "Cat", "email": "cat@test"}
        document["contacts"]["fallback"] = {}
        plan = declare(load_yaml(document).routing, "major", "high", "api")
        cat = plan.page_for("cat")
        assert cat is not None
        assert cat.kinds == ("email",)
        assert cat.unreachable == ("chat",)


class TestEscalationTimeline:
    def test_each_level_after_ack_within_resolved_at_its_instant(self, example: Routing) -> None:
        """+5 min: eng-managers for the IC; +10 min: the IC rotation again; and so on."""
        plan = declare(example, "critical", "high", "payments-api")
        steps = [
            (s.after, s.role, s.service, s.rotation, s.person, s.round)
            for s in escalation_timeline(example, plan)
            if s.role in {"incident_commander", "sme"}
        ]
        five = timedelta(minutes=5)
        assert steps == [
            (five, "incident_commander", None, "eng-managers", "laura", 0),
            (five, "sme", "payments-api", "payments-secondary", "judy", 0),
            (2 * five, "incident_commander", None, "incident-commanders", "bob", 1),
            (2 * five, "sme", "payments-api", "eng-managers", "laura", 0),
            (3 * five, "incident_commander", None, "eng-managers", "laura", 1),
            (3 * five, "sme", "payments-api", "payments-oncall", "heidi", 1),
            (4 * five, "sme", "payments-api", "payments-secondary", "judy", 1),
            (5 * five, "sme", "payments-api", "eng-managers", "laura", 1),
        ]

    def test_future_steps_see_the_rotation_of_their_own_instant(self, example: Routing) -> None:
        """An escalation that crosses a handoff pages whoever is on call by then."""
        before_handoff = WEDNESDAY_NOON.replace(day=30, hour=8, minute=55)  # Monday 08:55 Dublin
        plan = declare(example, "critical", "high", "search", at=before_handoff)
        assert plan.pages[0].person == "bob"
        again = [
            s for s in escalation_timeline(example, plan) if s.rotation == "incident-commanders"
        ]
        assert again[0].person == "carol"

    def test_levels_without_ack_within_never_escalate(self, example: Routing) -> None:
        """SEV4 has no ack_within: no escalation steps."""
        plan = declare(example, "internal", "low", "search")
        assert escalation_timeline(example, plan) == ()

    def test_repeat_zero_climbs_once(self, load_yaml: Callable[..., LoadedConfig]) -> None:
        """With escalation.repeat 0, the chain is not paged again once exhausted."""
        document = minimal_document()
        document["escalation"] = {"repeat": 0}
        routing = load_yaml(document).routing
        plan = declare(routing, "major", "high", "api")
        steps = escalation_timeline(routing, plan)
        assert [(s.role, s.rotation) for s in steps] == [("commander", "managers")]


class TestPlansAreStableData:
    def test_same_inputs_same_plan(self, example: Routing) -> None:
        """Plans are plain, comparable data: the same question gets the same answer."""
        first = declare(example, "critical", "high", "payments-api", "search")
        second = declare(example, "critical", "high", "payments-api", "search")
        assert first == second
