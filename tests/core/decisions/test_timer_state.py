"""The timer decisions of the core: which escalation chains a redefined plan still needs."""

from __future__ import annotations

from muster.worker.core.decisions.timer_state import ChainState, chains_not_needed, escalated_chains
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import PagePlan, build_page_plan
from muster.worker.core.paging.routing import Routing
from tests.harness.configs import WEDNESDAY_NOON


def plan(routing: Routing, impact: str, urgency: str, *services: str) -> PagePlan:
    incident = Incident(id="inc-1", title="t", impact=impact, urgency=urgency, services=services)
    return build_page_plan(routing, incident, WEDNESDAY_NOON)


def labels(states: list[ChainState]) -> list[str]:
    return [state.label for state in states]


def test_sev1_on_payments_redefined_to_sev3_on_search_no_longer_needs_three_chains(
    example: Routing,
) -> None:
    """SEV3 pages the support lead and the SMEs: the incident commander's and the scribe's
    chains, and the SMEs' of payments-api (no longer impacted), are not needed."""
    armed = escalated_chains(plan(example, "critical", "high", "payments-api"))
    redefined = plan(example, "major", "low", "search")
    assert labels(chains_not_needed(armed, redefined)) == [
        "incident_commander",
        "scribe",
        "sme:payments-api",
    ]


def test_a_redefinition_that_keeps_or_adds_everything_needs_every_chain(
    example: Routing,
) -> None:
    """The same level with one more service: every armed chain is still in the plan."""
    armed = escalated_chains(plan(example, "critical", "high", "payments-api"))
    redefined = plan(example, "critical", "high", "payments-api", "search")
    assert chains_not_needed(armed, redefined) == []


def test_an_unknown_service_keeps_the_fallback_services_chain(example: Routing) -> None:
    """An unknown service is handled by the fallback service, whose chain is the one needed."""
    armed = escalated_chains(plan(example, "minor", "low", "billing-v2"))
    redefined = plan(example, "minor", "low", "billing-v2", "search")
    assert chains_not_needed(armed, redefined) == []
