"""Properties of page plans over random configs, incidents and instants (Hypothesis).

Each example builds a random routing document in the shape of minimal_document() (people with
random contact kinds, rotations of random shapes, roles, services with escalation chains, severity
levels paging random roles by random kinds, overrides), writes it to a real YAML file, loads it
through the real loader, and plans a random incident at a random instant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.config.loader import LoadedConfig
from muster.worker.core.config.model import SME
from muster.worker.core.paging.escalation import escalation_timeline
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import Assignment, PagePlan, build_page_plan
from muster.worker.core.paging.routing import Routing
from tests.harness.configs import minimal_document

ZONES = ("UTC", "Europe/Dublin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")
KINDS = ("chat", "email", "sms")
TEMPLATES = {
    "chat": "json://127.0.0.1/chat/{chat}",
    "email": "mailto://127.0.0.1?to={email}",
    "sms": "json://127.0.0.1/sms/{sms}",
}
UNKNOWN_SERVICES = ("ghost", "legacy-batch")

PROPERTY = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def unique_lists(
    elements: st.SearchStrategy[str], min_size: int, max_size: int
) -> st.SearchStrategy[list[str]]:
    """Lists of distinct elements, order random."""
    return st.lists(elements, min_size=min_size, max_size=max_size, unique=True)


@st.composite
def rotation_specs(draw: st.DrawFn, people: list[str]) -> dict[str, Any]:
    """A rotation of 0-4 members; several members get a period and a start, as they must."""
    members = draw(unique_lists(st.sampled_from(people), 0, min(4, len(people))))
    spec: dict[str, Any] = {"members": members}
    if len(members) > 1 or (members and draw(st.booleans())):
        every = draw(st.sampled_from(("12h", "1d", "1w", "2w")))
        clock = f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from((0, 30))):02d}"
        weekly = every in ("1w", "2w") and draw(st.booleans())
        spec["every"] = every
        spec["handoff"] = (
            f"{draw(st.sampled_from(('mon', 'wed', 'sun')))} {clock}" if weekly else clock
        )
        spec["start"] = draw(st.dates(date(2025, 1, 1), date(2026, 12, 31)))
    return spec


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A random, valid routing document built over minimal_document()'s skeleton."""
    document = minimal_document()
    document["timezone"] = draw(st.sampled_from(ZONES))
    people = [f"p{index}" for index in range(draw(st.integers(1, 7)))]
    document["people"] = {
        person: {
            "name": person.upper(),
            **{
                kind: f"{person}-{kind}"
                for kind in draw(unique_lists(st.sampled_from(KINDS), 0, 3))
            },
        }
        for person in people
    }
    kinds = draw(unique_lists(st.sampled_from(KINDS), 1, 3))
    fallback = draw(st.dictionaries(st.sampled_from(kinds), st.sampled_from(kinds), max_size=3))
    document["contacts"] = {
        **{kind: TEMPLATES[kind] for kind in kinds},
        "fallback": {kind: instead for kind, instead in fallback.items() if kind != instead},
    }
    # Person addresses must be of kinds the contacts define.
    for person in document["people"].values():
        for kind in KINDS:
            if kind not in kinds:
                person.pop(kind, None)

    rotations = [f"r{index}" for index in range(draw(st.integers(1, 5)))]
    document["rotations"] = {name: draw(rotation_specs(people)) for name in rotations}
    chains = unique_lists(st.sampled_from(rotations), 0, 2)
    roles = [f"role{index}" for index in range(draw(st.integers(0, 3)))]
    document["roles"] = {
        role: {"rotation": draw(st.sampled_from(rotations)), "escalate_to": draw(chains)}
        for role in roles
    }
    services = [f"svc{index}" for index in range(draw(st.integers(1, 3)))]
    document["services"] = {
        service: {"smes": draw(st.sampled_from(rotations)), "escalate_to": draw(chains)}
        for service in services
    }
    document["fallback_service"] = draw(st.none() | st.sampled_from(services))
    if document["fallback_service"] is None:
        del document["fallback_service"]

    levels = [f"SEV{index}" for index in range(1, draw(st.integers(1, 3)) + 1)]
    document["severity"]["levels"] = {
        level: {
            "page": draw(unique_lists(st.sampled_from([*roles, SME]), 1, len(roles) + 1)),
            "via": draw(unique_lists(st.sampled_from(kinds), 1, len(kinds))),
            **draw(st.sampled_from(({}, {"ack_within": "5m"}, {"ack_within": "2h"}))),
        }
        for level in levels
    }
    document["severity"]["matrix"] = {
        impact: {urgency: draw(st.sampled_from(levels)) for urgency in ("high", "low")}
        for impact in ("major", "minor")
    }
    document["overrides"] = [
        {
            "rotation": draw(st.sampled_from(rotations)),
            "person": draw(st.sampled_from(people)),
            "from": starts,
            "until": starts + timedelta(hours=draw(st.integers(1, 24 * 14))),
        }
        for starts in draw(
            st.lists(
                st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31)).map(
                    lambda moment: moment.replace(second=0, microsecond=0)
                ),
                max_size=3,
            )
        )
    ]
    document["escalation"] = {"repeat": draw(st.integers(0, 2))}
    return document


@st.composite
def incidents(draw: st.DrawFn, document: dict[str, Any]) -> Incident:
    """An incident on known and unknown services (possibly repeated, possibly none)."""
    names = [*document["services"], *UNKNOWN_SERVICES]
    return Incident(
        id="INC-1",
        title="Something is down",
        impact=draw(st.sampled_from(("major", "minor"))),
        urgency=draw(st.sampled_from(("high", "low"))),
        services=tuple(draw(st.lists(st.sampled_from(names), max_size=4))),
    )


INSTANTS = st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))


@dataclass(frozen=True)
class Case:
    """One generated scenario: the document, an incident on it, and the instant to plan at."""

    document: dict[str, Any]
    incident: Incident
    at: datetime


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A random document with a random incident and instant."""
    document = draw(documents())
    return Case(document, draw(incidents(document)), draw(INSTANTS))


@pytest.fixture
def load_case(load_yaml: Callable[..., LoadedConfig]) -> Callable[[Case], Routing]:
    """Write a case's document to a real YAML file and load it through the loader."""

    def load(case: Case) -> Routing:
        return load_yaml(case.document).routing

    return load


def expected_assignments(routing: Routing, case: Case) -> list[tuple[str, Assignment]]:
    """Who should hold what, worked out from the config directly: the standing roles in the
    level's order, then each distinct handling service's SMEs in the incident's order; each
    staffed by the first level of its chain with someone on call."""
    config = routing.config
    level = config.severity.levels[
        config.severity.matrix[case.incident.impact][case.incident.urgency]
    ]
    chains: list[tuple[str, str | None, list[str]]] = [
        (role, None, [config.roles[role].rotation, *config.roles[role].escalate_to])
        for role in level.page
        if role != SME
    ]
    if SME in level.page:
        handling: list[str] = []
        for name in case.incident.services:
            routed = name if name in config.services else config.fallback_service
            if routed is not None and routed not in handling:
                handling.append(routed)
        chains += [
            (SME, handler, [config.services[handler].smes, *config.services[handler].escalate_to])
            for handler in handling
        ]
    expected = []
    for role, service, rotations in chains:
        for index, rotation in enumerate(rotations):
            person = routing.on_call(rotation, case.at)
            if person is not None:
                expected.append((person, Assignment(role, service, rotation, index)))
                break
    return expected


def plan_for(routing: Routing, case: Case) -> PagePlan:
    """The page plan for a case's incident at its instant."""
    return build_page_plan(routing, case.incident, case.at)


class TestEachPersonOnce:
    """A plan pages each person once, and each person once per contact kind."""

    @PROPERTY
    @given(case=cases())
    def test_nobody_appears_twice_in_the_pages(
        self, load_case: Callable[[Case], Routing], case: Case
    ) -> None:
        """Someone holding several roles gets one page listing them all."""
        plan = plan_for(load_case(case), case)
        people = [page.person for page in plan.pages]
        assert len(people) == len(set(people))
        for page in plan.pages:
            assert len(page.assignments) == len(set(page.assignments))

    @PROPERTY
    @given(case=cases())
    def test_nobody_is_paged_twice_by_one_contact_kind(
        self, load_case: Callable[[Case], Routing], case: Case
    ) -> None:
        """Each kind at most once per person, and only kinds that can actually reach them."""
        routing = load_case(case)
        plan = plan_for(routing, case)
        for page in plan.pages:
            assert len(page.kinds) == len(set(page.kinds))
            addresses = routing.config.people[page.person].addresses
            for contact in page.contacts:
                assert contact.kind in addresses
                assert contact.kind in routing.config.contacts.templates
                assert contact.requested in plan.via
                assert contact.kind in routing.fallback_chain(contact.requested)


class TestWhoIsPaged:
    """Everyone paged holds a role the level asks for, or an impacted service's SME duty."""

    @PROPERTY
    @given(case=cases())
    def test_every_assignment_is_asked_for_and_on_call(
        self, load_case: Callable[[Case], Routing], case: Case
    ) -> None:
        """Each assignment is a paged role or an impacted (or fallback) service's SME, held by
        the person on call in its rotation, which is the first staffed level of its chain."""
        routing = load_case(case)
        config = routing.config
        plan = plan_for(routing, case)
        level = config.severity.levels[plan.severity]
        handlers = {routing.route_service(service) for service in case.incident.services}
        for page in plan.pages:
            for assignment in page.assignments:
                if assignment.service is None:
                    assert assignment.role in level.page
                    assert assignment.role != SME
                    role = config.roles[assignment.role]
                    chain = [role.rotation, *role.escalate_to]
                else:
                    assert assignment.role == SME
                    assert SME in level.page
                    assert assignment.service in handlers
                    service = config.services[assignment.service]
                    chain = [service.smes, *service.escalate_to]
                assert chain[assignment.escalation_level] == assignment.rotation
                assert routing.on_call(assignment.rotation, case.at) == page.person
                for lower in chain[: assignment.escalation_level]:
                    assert routing.on_call(lower, case.at) is None

    @PROPERTY
    @given(case=cases())
    def test_the_pages_are_exactly_the_expected_assignments_in_order(
        self, load_case: Callable[[Case], Routing], case: Case
    ) -> None:
        """Roles in the level's order then SMEs in the incident's order, grouped by person in
        order of first appearance: nobody missing, nobody extra."""
        routing = load_case(case)
        plan = plan_for(routing, case)
        grouped: dict[str, list[Assignment]] = {}
        for person, assignment in expected_assignments(routing, case):
            grouped.setdefault(person, []).append(assignment)
        assert [(page.person, list(page.assignments)) for page in plan.pages] == list(
            grouped.items()
        )

    @PROPERTY
    @given(case=cases())
    def test_gaps_are_reported_for_chains_not_staffed_by_their_own_rotation(
        self, load_case: Callable[[Case], Routing], case: Case
    ) -> None:
        """A gap is reported exactly where the role's own rotation had nobody on call."""
        routing = load_case(case)
        plan = plan_for(routing, case)
        gapped = {
            (chain.role, chain.service)
            for chain in plan.escalations
            if routing.on_call(chain.rotations[0], case.at) is None
        }
        assert {(gap.role, gap.service) for gap in plan.gaps} == gapped
        for gap in plan.gaps:
            if gap.covered_by is not None:
                assert routing.on_call(gap.covered_by, case.at) is not None


class TestStablePlans:
    """The same inputs give the same plan, to the last field."""

    @PROPERTY
    @given(case=cases())
    def test_planning_twice_gives_identical_plans(
        self, load_case: Callable[[Case], Routing], case: Case
    ) -> None:
        """Planning again, even from a fresh load of the same file, changes nothing."""
        routing = load_case(case)
        first = plan_for(routing, case)
        assert plan_for(routing, case) == first
        assert plan_for(load_case(case), case) == first
        assert escalation_timeline(routing, first) == escalation_timeline(load_case(case), first)


class TestEscalationTimeline:
    """Escalation steps come in order of delay, each resolved at its own instant."""

    @PROPERTY
    @given(case=cases())
    def test_steps_are_sorted_and_each_names_whoever_is_on_call_then(
        self, load_case: Callable[[Case], Routing], case: Case
    ) -> None:
        """Sorted by ``after``; ``at`` is plan.at + after; the person is on_call(rotation, at)."""
        routing = load_case(case)
        plan = plan_for(routing, case)
        steps = escalation_timeline(routing, plan)
        if plan.ack_within is None:
            assert steps == ()
            return
        assert [step.after for step in steps] == sorted(step.after for step in steps)
        chains = {(chain.role, chain.service): chain for chain in plan.escalations}
        for step in steps:
            assert step.after >= plan.ack_within
            assert step.after % plan.ack_within == timedelta(0)
            assert step.at == plan.at + step.after
            assert step.person == routing.on_call(step.rotation, step.at)
            assert chains[(step.role, step.service)].rotations[step.level] == step.rotation
            assert 0 <= step.round <= routing.config.escalation.repeat

    @PROPERTY
    @given(case=cases())
    def test_each_chain_climbs_every_level_above_the_first_paged_each_round(
        self, load_case: Callable[[Case], Routing], case: Case
    ) -> None:
        """A chain's steps run level after level, round after round, one ack_within apart —
        but a level with nobody on call adds no delay: the next is paged at the same instant."""
        routing = load_case(case)
        plan = plan_for(routing, case)
        steps = escalation_timeline(routing, plan)
        rounds = 1 + routing.config.escalation.repeat
        if plan.ack_within is None:
            assert steps == ()
            return
        for chain in plan.escalations:
            own = [s for s in steps if (s.role, s.service) == (chain.role, chain.service)]
            depth = len(chain.rotations)
            expected_levels = [i % depth for i in range(chain.start_level + 1, depth * rounds)]
            assert [s.level for s in own] == expected_levels
            assert [s.after for s in own[:1]] == [plan.ack_within][: len(own)]
            for before, step in pairwise(own):
                waited = timedelta(0) if before.person is None else plan.ack_within
                assert step.after == before.after + waited
