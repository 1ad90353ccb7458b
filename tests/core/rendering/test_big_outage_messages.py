"""A page about 300 services stays readable: what concerns its reader is named first, a few
others after, and the rest counted, while the plan still pages every service's SMEs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.checks.validation import validate_schema
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import PagePlan, PlannedPage, build_page_plan
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.broadcasts import render_declared
from muster.worker.core.rendering.listing import LISTED, first
from muster.worker.core.rendering.render import SMS_SEGMENT, render_chat, render_email, render_sms
from muster.worker.core.rendering.summary import (
    SummaryFacts,
    compose_stakeholder_update,
    compose_summary,
)
from tests.harness.configs import WEDNESDAY_NOON, minimal_document

SERVICES = 300
TEAMS = 30  # each team's SME is on call for ten services


@pytest.fixture(scope="module")
def routing() -> Routing:
    document = minimal_document()
    for team in range(TEAMS):
        document["rotations"][f"team-{team}"] = {"members": [f"sme{team}"]}
        document["people"][f"sme{team}"] = {"name": f"SME {team}", "chat": f"sme{team}"}
    for n in range(SERVICES):
        document["services"][f"svc-{n}"] = {
            "smes": f"team-{n % TEAMS}",
            "runbook": f"https://runbooks.test/svc-{n}",
        }
    config, issues = validate_schema(document)
    assert config is not None, issues
    return Routing.from_config(config)


OUTAGE = Incident(
    id="alert-0123456789abcdef",
    title="High error rate (+4999 more)",
    impact="major",
    urgency="high",
    services=tuple(f"svc-{n}" for n in range(SERVICES)),
)


@pytest.fixture(scope="module")
def plan(routing: Routing) -> PagePlan:
    return build_page_plan(routing, OUTAGE, WEDNESDAY_NOON)


def sme_page(plan: PagePlan, team: int = 7) -> PlannedPage:
    found = plan.page_for(f"sme{team}")
    assert found is not None
    return found


def test_every_services_sme_is_paged_once(plan: PagePlan) -> None:
    smes = {page.person for page in plan.pages if page.person.startswith("sme")}
    assert smes == {f"sme{team}" for team in range(TEAMS)}
    assert len(sme_page(plan).assignments) == SERVICES // TEAMS


def test_the_email_names_the_readers_services_first_and_counts_the_rest(
    routing: Routing, plan: PagePlan
) -> None:
    body = render_email(routing, OUTAGE, plan, sme_page(plan)).body
    [services] = [line for line in body.splitlines() if line.startswith("Services: ")]
    named = services.removeprefix("Services: ").split(" and ")[0].split(", ")
    assert named[:10] == [f"svc-{n}" for n in range(7, SERVICES, TEAMS)]
    assert services.endswith(f" and {SERVICES - len(named)} more")
    assert len(named) == LISTED
    assert "and the SMEs of" in body
    assert body.count("Runbook: ") == LISTED  # the reader's ten services' runbooks
    assert len(body) < 3000


def test_the_chat_page_stays_short_and_says_how_many_more(routing: Routing, plan: PagePlan) -> None:
    body = render_chat(routing, OUTAGE, plan, sme_page(plan)).body
    assert "svc-7, svc-37" in body
    assert re.search(r"and \d+ more", body)
    assert "and the SMEs of 290 more services" in body
    assert len(body) < 4000


def test_the_sms_still_fits_one_segment(routing: Routing, plan: PagePlan) -> None:
    body = render_sms(routing, OUTAGE, plan, sme_page(plan)).body
    assert len(body) <= SMS_SEGMENT
    assert "you: SME svc-7, SME svc-37, SME svc-67 and 7 more" in body


def test_the_room_announcement_names_a_few_services_and_counts_the_rest(
    routing: Routing, plan: PagePlan
) -> None:
    body = render_declared(routing, OUTAGE, plan).body
    assert "svc-0, svc-1" in body
    assert f"and {SERVICES - LISTED} more" in body
    assert "and the SMEs of 290 more services" in body
    assert len(body) < 4000


def test_the_summaries_count_the_services_and_holders_they_do_not_name(
    routing: Routing, plan: PagePlan
) -> None:
    facts = SummaryFacts(
        incident=OUTAGE,
        severity="SEV1",
        state="investigating",
        impact_statement="",
        since=None,
        at=WEDNESDAY_NOON + timedelta(minutes=15),
        items=(),
        holders={label: ["Someone"] for label in plan.holders()},
        unacknowledged=(),
        next_at=None,
    )
    update = compose_stakeholder_update(facts).body
    assert f"and {SERVICES - LISTED} more" in update
    summary = compose_summary(facts).body
    assert "and the SMEs of 290 more services" in summary
    assert len(summary) < 4000


@given(
    st.lists(st.sampled_from([f"svc-{n}" for n in range(40)]), max_size=60),
    st.lists(st.sampled_from([f"svc-{n}" for n in range(40)]), max_size=15),
    st.integers(min_value=0, max_value=20),
)
def test_a_list_names_the_readers_own_then_others_and_counts_every_one_left_out(
    items: list[str], own: list[str], limit: int
) -> None:
    kept, more = first(items, limit, wanted=own)
    unique = list(dict.fromkeys(items))
    assert len(kept) == len(set(kept))
    assert set(kept) <= set(unique)
    assert len(kept) + more == len(unique)
    mine = [item for item in unique if item in set(own)]
    assert kept[: len(mine)] == mine  # every one of the reader's, first, in the list's order
    assert len(kept) == max(min(limit, len(unique)), len(mine))
