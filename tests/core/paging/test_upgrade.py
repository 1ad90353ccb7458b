"""What a join or a redefinition adds, decided in the core: the facts a join leaves, the pages
an upgrade owes, the pace a kept chain takes. Properties over the example config (Hypothesis),
and the cases the issue named."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.worker.core.decisions.timer_state import repaced_due
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import PagePlan, build_page_plan
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.upgrade import Facts, join_upgrade, joined_facts, pages_needed
from tests.harness.configs import WEDNESDAY_NOON

IMPACTS = ("critical", "major", "minor", "internal")
URGENCIES = ("high", "medium", "low")
SERVICES = ("payments-api", "search", "platform", "billing-v2")
PROPERTY = settings(max_examples=150, deadline=None)

facts = st.builds(
    Facts,
    impact=st.sampled_from(IMPACTS),
    urgency=st.sampled_from(URGENCIES),
    services=st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True).map(tuple),
)


def plan(routing: Routing, at: Facts) -> PagePlan:
    incident = Incident("inc-1", "Checkout", at.impact, at.urgency, at.services)
    return build_page_plan(routing, incident, WEDNESDAY_NOON)


class TestJoinedFacts:
    @PROPERTY
    @given(current=facts, joining=facts)
    def test_a_join_never_lowers_anything(
        self, example: Routing, current: Facts, joining: Facts
    ) -> None:
        merged = joined_facts(example, current, joining)
        for field, order in (("impact", IMPACTS), ("urgency", URGENCIES)):
            rank = order.index(getattr(merged, field))
            assert rank <= order.index(getattr(current, field))
            assert rank <= order.index(getattr(joining, field))
        assert merged.services[: len(current.services)] == current.services
        assert set(merged.services) == {*current.services, *joining.services}
        after = example.severity(merged.impact, merged.urgency).rank
        assert after <= example.severity(current.impact, current.urgency).rank

    @PROPERTY
    @given(current=facts, joining=facts)
    def test_a_join_upgrades_exactly_when_it_adds_something(
        self, example: Routing, current: Facts, joining: Facts
    ) -> None:
        severity = example.severity(current.impact, current.urgency).name
        upgrade = join_upgrade(example, current, severity, joining)
        adds = joined_facts(example, current, joining) != current
        assert (upgrade is not None) == adds
        assert join_upgrade(example, current, severity, current) is None

    def test_a_critical_payments_alert_makes_a_sev4_search_group_sev1_on_both(
        self, example: Routing
    ) -> None:
        current = Facts("internal", "low", ("search",))
        upgrade = join_upgrade(
            example, current, "SEV4", Facts("critical", "medium", ("payments-api",))
        )
        assert upgrade == Facts("critical", "medium", ("search", "payments-api"))

    def test_an_incident_at_a_severity_the_config_no_longer_has_is_still_upgraded(
        self, example: Routing
    ) -> None:
        current = Facts("minor", "low", ("search",))
        worse = Facts("minor", "medium", ("search",))
        assert join_upgrade(example, current, "SEV0", worse) == worse

    def test_a_join_the_matrix_rates_below_the_incident_changes_nothing(
        self, example: Routing
    ) -> None:
        """A SEV1 whose facts an edited matrix now rates SEV4: a minor join leaves it be."""
        current = Facts("internal", "low", ("search",))
        worse = Facts("minor", "low", ("search",))
        assert join_upgrade(example, current, "SEV1", worse) is None


class TestPagesNeeded:
    @PROPERTY
    @given(before=facts, after=facts, raised=st.booleans())
    def test_nobody_gets_a_kind_twice_and_only_a_raise_reaches_the_already_paged(
        self, example: Routing, before: Facts, after: Facts, raised: bool
    ) -> None:
        delivered: dict[str, set[str]] = {}
        for page in plan(example, before).pages:
            delivered.setdefault(page.person, set()).update(page.kinds)
        new = plan(example, after)
        owed = pages_needed(new, delivered, raised)
        for page in owed:
            assert page.contacts
            if page.person in delivered:
                assert raised
                assert not set(page.kinds) & delivered[page.person]
        if raised:
            wanted = {(p.person, kind) for p in new.pages for kind in p.kinds}
            had = {(person, kind) for person, kinds in delivered.items() for kind in kinds}
            assert {(p.person, kind) for p in owed for kind in p.kinds} == wanted - had
        else:
            assert {p.person for p in owed} == {p.person for p in new.pages} - set(delivered)

    def test_a_sev3_page_raised_to_sev1_owes_only_the_sms(self, example: Routing) -> None:
        sev3 = Facts("major", "low", ("payments-api",))
        delivered = {page.person: set(page.kinds) for page in plan(example, sev3).pages}
        sev1 = plan(example, Facts("critical", "high", ("payments-api",)))
        owed = {page.person: page.kinds for page in pages_needed(sev1, delivered, raised=True)}
        assert owed["dmitri"] == ("sms",)
        assert owed["heidi"] == ("sms",)
        assert owed["bob"] == ("sms", "email", "chat")


MINUTE = timedelta(minutes=1)


class TestRepacedDue:
    def test_a_downgrade_counts_the_slower_pace_from_the_redefinition(self) -> None:
        now = WEDNESDAY_NOON + 2 * MINUTE
        due = WEDNESDAY_NOON + 5 * MINUTE
        assert repaced_due(due, 5 * MINUTE, 30 * MINUTE, now) == now + 30 * MINUTE

    def test_an_upgrade_speeds_a_chain_up_from_the_redefinition(self) -> None:
        now = WEDNESDAY_NOON + 2 * MINUTE
        due = WEDNESDAY_NOON + 30 * MINUTE
        assert repaced_due(due, 30 * MINUTE, 5 * MINUTE, now) == now + 5 * MINUTE

    @given(due_in=st.integers(-10, 60), was=st.integers(1, 60), every=st.integers(1, 60))
    def test_an_upgrade_never_puts_a_step_off_and_an_unchanged_pace_keeps_it(
        self, due_in: int, was: int, every: int
    ) -> None:
        now = WEDNESDAY_NOON
        due = now + due_in * MINUTE
        after = repaced_due(due, was * MINUTE, every * MINUTE, now)
        if was == every:
            assert after == due
        elif every < was:
            assert after <= due
            assert after <= now + every * MINUTE
        else:
            assert after == now + every * MINUTE
