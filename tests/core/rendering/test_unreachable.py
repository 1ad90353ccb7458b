"""Scenarios for a page no contact kind delivered: who is told, what they read, and how
summaries list it. The example team at WEDNESDAY_NOON: bob is the incident commander (laura,
eng-managers, his next level), heidi the payments SME."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from muster.config.loader import LoadedConfig
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import Assignment, PagePlan, build_page_plan
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.summary import (
    SummaryFacts,
    compose_stakeholder_update,
    compose_summary,
)
from muster.worker.core.rendering.unreachable import (
    DeliveryFacts,
    FailedPage,
    UnreachableNotice,
    commanders,
    failed_pages,
    notice_unreachable,
    still_reaching,
)
from tests.harness.configs import WEDNESDAY_NOON, minimal_document
from tests.harness.core_incidents import SEV1


def plan_for(routing: Routing, incident: Incident = SEV1) -> PagePlan:
    return build_page_plan(routing, incident, WEDNESDAY_NOON)


def failed(routing: Routing, plan: PagePlan, person: str, *kinds: str) -> UnreachableNotice:
    """The notice for ``person``'s page in ``plan``, every one of ``kinds`` having failed."""
    page = plan.page_for(person)
    assert page is not None
    failure = FailedPage(
        person=person,
        name=routing.config.people[person].name,
        roles=tuple(a.label for a in page.assignments),
        kinds=kinds,
    )
    return notice_unreachable(
        routing, plan, SEV1, plan.severity, failure, page.assignments, WEDNESDAY_NOON
    )


def told(notice: UnreachableNotice) -> list[tuple[str, list[str]]]:
    return [(page.person, list(page.kinds)) for page in notice.people]


class TestWhoIsTold:
    def test_an_unreachable_sme_is_told_to_the_commander_and_the_incident_room(
        self, example: Routing
    ) -> None:
        """Heidi's sms, email and chat all failed: bob hears it by every SEV1 kind, and the
        incident room too."""
        notice = failed(example, plan_for(example), "heidi", "sms", "email", "chat")
        assert told(notice) == [("bob", ["sms", "email", "chat"])]
        assert notice.rooms == ("incident_room",)
        assert notice.timeline == (
            "heidi could not be reached by sms, email, chat:"
            " telling bob (Incident commander), incident_room"
        )

    def test_an_unreachable_commander_is_told_to_the_next_level_not_to_himself(
        self, example: Routing
    ) -> None:
        """Bob is the commander: eng-managers (laura), the role's next level, hears it."""
        notice = failed(example, plan_for(example), "bob", "sms", "email", "chat")
        assert told(notice) == [("laura", ["sms", "email", "chat"])]
        assert notice.people[0].assignments == (
            Assignment("incident_commander", None, "eng-managers", escalation_level=1),
        )
        assert notice.rooms == ("incident_room",)

    def test_a_commander_held_from_the_chains_last_level_leaves_only_the_room(
        self, example: Routing
    ) -> None:
        """Bob held the commander role from eng-managers, the chain's end: nobody is above
        him, so nobody but the incident room hears it."""
        held = [Assignment("incident_commander", None, "eng-managers", escalation_level=1)]
        assert commanders(example, plan_for(example), "bob", held, WEDNESDAY_NOON) == []

    def test_an_escalated_commander_page_that_failed_is_told_to_the_commander(
        self, example: Routing
    ) -> None:
        """Laura, escalated to for the commander role, could not be reached: bob, who holds
        it, hears it."""
        held = [Assignment("incident_commander", None, "eng-managers", escalation_level=1)]
        assert commanders(example, plan_for(example), "laura", held, WEDNESDAY_NOON) == [
            ("bob", Assignment("incident_commander", None, ""))
        ]

    def test_the_next_level_is_never_the_unreachable_person(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        """Dan commands and manages: his own unreachable page is not told to himself."""
        document = minimal_document()
        document["rotations"]["commanders"] = {"members": ["dan"]}
        routing = load_yaml(document).routing
        plan = plan_for(routing, Incident("inc-1", "t", "major", "high", ("api",)))
        notice = failed(routing, plan, "dan", "chat", "email")
        assert told(notice) == []
        assert notice.nobody
        assert notice.timeline == (
            "dan could not be reached by chat, email:"
            " nobody to tell (no incident room, no commander on call)"
        )

    def test_a_severity_without_a_commander_tells_the_commander_on_call(
        self, example: Routing
    ) -> None:
        """A SEV4 pages only the search SME (ken, by chat): the on-call commander (bob) hears
        it, by the incident's kinds."""
        plan = plan_for(example, Incident("inc-2", "t", "internal", "low", ("search",)))
        notice = failed(example, plan, "ken", "chat", "email")
        assert told(notice) == [("bob", ["chat"])]

    def test_without_an_incident_commander_role_the_first_role_commands(
        self, load_yaml: Callable[..., LoadedConfig]
    ) -> None:
        """The minimal config calls it ``commander``: ann holds it and hears about cat."""
        routing = load_yaml(minimal_document()).routing
        plan = plan_for(routing, Incident("inc-1", "t", "major", "high", ("api",)))
        notice = failed(routing, plan, "cat", "chat", "email")
        assert [page.person for page in notice.people] == ["ann"]
        assert notice.rooms == ()  # the minimal config has no incident room


class TestWhatTheySay:
    def test_the_notice_names_the_person_their_roles_and_every_kind_tried(
        self, example: Routing
    ) -> None:
        """One plain message for every kind, saying who, why they were paged, what was tried."""
        notice = failed(example, plan_for(example), "heidi", "sms", "email", "chat")
        assert notice.message.title == "[SEV1] Could not reach Heidi Berg (heidi) (inc-1)"
        assert notice.message.body.startswith(
            "SEV1 inc-1: Heidi Berg (heidi) could not be reached by sms, email, chat"
            " (paged as SME payments-api) for Checkout "
        )
        assert "@here" not in notice.message.body  # producer text cannot mention a channel
        assert notice.message.body_format == "text"

    def test_no_address_or_secret_appears_in_any_text(self, example: Routing) -> None:
        """Names and kinds only: no phone number, email address, token or Apprise URL."""
        plan = plan_for(example)
        for person in ("bob", "heidi", "frank"):
            notice = failed(example, plan, person, "sms", "email", "chat")
            words = [notice.message.title, notice.message.body, notice.timeline]
            for secret in example.private_values | set(example.config.contacts.templates.values()):
                assert all(secret not in text for text in words)


class TestFailedPages:
    def test_a_page_with_any_kind_still_going_is_not_failed(self) -> None:
        """Only when every kind of a page failed is its person unreachable."""
        assert still_reaching(["failed", "sending"])
        assert still_reaching(["failed", "sent"])
        assert not still_reaching(["failed", "failed"])
        rows = [
            DeliveryFacts("heidi", "declared", "sms", "failed", ("sme:payments-api",)),
            DeliveryFacts("heidi", "declared", "email", "sent", ("sme:payments-api",)),
        ]
        assert failed_pages(rows, {"heidi": "Heidi Berg"}) == ()

    def test_failed_pages_fold_per_person_in_the_order_they_failed(self) -> None:
        """Heidi failed twice (declaration and escalation), bob once; kinds and roles once."""
        rows = [
            DeliveryFacts("bob", "declared", "chat", "failed", ("incident_commander",)),
            DeliveryFacts("heidi", "declared", "sms", "failed", ("sme:payments-api",)),
            DeliveryFacts("heidi", "declared", "chat", "failed", ("sme:payments-api",)),
            DeliveryFacts("heidi", "declared", "email", "failed", ("sme:payments-api",)),
            DeliveryFacts("bob", "declared", "email", "failed", ("incident_commander",)),
            DeliveryFacts("heidi", "escalation:sme:payments-api:3", "chat", "failed", ()),
            DeliveryFacts("frank", "declared", "chat", "sent", ("scribe",)),
        ]
        assert failed_pages(rows, {"heidi": "Heidi Berg"}) == (
            FailedPage("bob", "bob", ("incident_commander",), ("chat", "email")),
            FailedPage("heidi", "Heidi Berg", ("sme:payments-api",), ("sms", "chat", "email"), 2),
        )

    def test_every_summary_lists_the_failed_pages_and_stakeholders_never_see_them(
        self, example: Routing
    ) -> None:
        """The team's summary says who could not be reached by what; the customer-safe one
        names nobody."""
        facts = SummaryFacts(
            incident=SEV1,
            severity="SEV1",
            state="investigating",
            impact_statement="",
            since=WEDNESDAY_NOON,
            at=WEDNESDAY_NOON,
            items=[],
            holders={},
            unacknowledged=[],
            next_at=None,
            failed=[
                FailedPage("heidi", "Heidi Berg", ("sme:payments-api",), ("sms", "email"), 2),
                FailedPage("bob", "Bob Okafor", ("incident_commander",), ("chat",)),
            ],
        )
        assert (
            "Could not be reached: Heidi Berg (SME payments-api; 2 pages; tried sms, email);"
            " Bob Okafor (Incident commander; tried chat)"
        ) in compose_summary(facts).body.splitlines()
        assert "Heidi" not in compose_stakeholder_update(facts).body
        quiet: dict[str, Any] = {**facts.__dict__, "failed": ()}
        assert "Could not be reached" not in compose_summary(SummaryFacts(**quiet)).body
