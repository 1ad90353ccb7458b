"""The cases of issue 20: what a producer wrote reached readers live. Each now arrives inert,
and still readable: escaped or shown with look-alikes, not deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markdown_it import MarkdownIt

from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import PagePlan, build_page_plan
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.broadcasts import render_declared, render_milestone
from muster.worker.core.rendering.render import render_chat, render_email, render_sms
from muster.worker.core.rendering.review import ReviewFacts, review_markdown
from muster.worker.core.rendering.summary import SummaryFacts, compose_stakeholder_update
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.inert import assert_inert, assert_markdown_inert, invisible

HOSTILE_SERVICES = (
    "@here",
    "<!channel>",
    "[Ack here](https://evil.test/ack)",
    "rev\u202eersed",
    "line\r\nbreak",
    "# Heading",
)
PHISHING_TITLE = "[Acknowledge here](https://evil.test/ack)"


def incident(**changes: object) -> Incident:
    fields: dict[str, object] = {
        "id": "inc-20",
        "title": "Checkout down",
        "impact": "critical",
        "urgency": "high",
        "services": ("payments-api",),
    }
    return Incident(**(fields | changes))  # type: ignore[arg-type]


def plan_for(routing: Routing, declared: Incident) -> PagePlan:
    return build_page_plan(routing, declared, WEDNESDAY_NOON)


def links_in(markdown: str) -> list[str]:
    """The hrefs a CommonMark reader would make live in ``markdown``."""
    found = []
    for token in MarkdownIt("commonmark").parse(markdown):
        found += [str(c.attrs["href"]) for c in token.children or [] if c.type == "link_open"]
    return found


def test_a_redefinitions_service_names_reach_the_rooms_inert() -> None:
    """Mentions, a disguised link, U+202E, CR/LF and a heading in a redefinition's services
    arrive as text on the milestone's own lines, each name still readable."""
    detail = "Severity SEV2 -> SEV1; impact critical, urgency high; services " + ", ".join(
        HOSTILE_SERVICES
    )
    message = render_milestone(
        incident(), "SEV1", "redefinition", "scope widened", "alertmanager", detail
    )
    assert_inert(message, frozenset(), "redefinition")
    lines = message.body.splitlines()
    assert len(lines) == 3
    for word in ("(at)here", "channel", "Ack here", "reversed", "line break", "Heading"):
        assert word in lines[2]


def test_a_declarations_announcement_has_no_bidi_or_line_break_in_service_names(
    example: Routing,
) -> None:
    """A service name with a bidi override or a line break stays on the services line."""
    declared = incident(services=("payments-api", "pay\u202eevil", "two\nlines", "a\u2066b"))
    message = render_declared(example, declared, plan_for(example, declared))
    assert not invisible(message.body, lines=True)
    services = message.body.splitlines()[1]
    assert "payevil" in services
    assert "two lines" in services
    assert "ab" in services


@pytest.mark.parametrize("render", [render_chat, render_declared])
def test_a_phishing_title_is_no_link_where_a_plugin_prepends_it_to_markdown(
    example: Routing, render: object
) -> None:
    """Rocket.Chat, Webex Teams, Misskey, GroupMe and LINE put the title above a markdown body:
    a producer's ``[Acknowledge here](https://evil…)`` title must not become a live link."""
    declared = incident(title=PHISHING_TITLE)
    plan = plan_for(example, declared)
    if render is render_chat:
        message = render_chat(example, declared, plan, plan.pages[0])
    else:
        message = render_declared(example, declared, plan)
    prepended = f"**{message.title}**\r\n{message.body}"
    assert not [href for href in links_in(prepended) if "evil" in href]
    assert "Acknowledge here" in message.title


@pytest.mark.parametrize(
    "char",
    ["\u061c", "\ufeff", "\u2060", "\u00ad", "\U000e0041", "\u2064", "\u200b", "\u2069"],
    ids=lambda char: f"U+{ord(char):04X}",
)
def test_an_invisible_character_is_removed_from_every_style(example: Routing, char: str) -> None:
    """Arabic letter mark, BOM, word joiner, soft hyphen, tag characters: none survives."""
    declared = incident(title=f"Pay{char}ments down", summary=f"since{char} noon")
    plan = plan_for(example, declared)
    for render in (render_chat, render_email, render_sms):
        message = render(example, declared, plan, plan.pages[0])
        assert char not in message.title + message.body
        assert "Payments down" in message.title + message.body


def test_a_mention_is_broken_visibly_not_with_a_zero_width_character(example: Routing) -> None:
    """``@here`` becomes ``(at)here``: something that strips zero-width characters cannot revive
    it, and the reader still sees what was written."""
    declared = incident(title="@here checkout", summary="@everyone look")
    plan = plan_for(example, declared)
    message = render_chat(example, declared, plan, plan.pages[0])
    assert "(at)here checkout" in message.title
    assert "(at)everyone look" in message.body
    assert "\u200b" not in message.title + message.body


def test_a_producers_link_keeps_working_with_its_name_escaped(example: Routing) -> None:
    """A valid http(s) link is offered on the Links line under its escaped name; a name holding
    its own link and address stays text, and a ``javascript:`` link is dropped."""
    declared = incident(
        links={
            "[Ack](https://evil.test/ack)": "https://ok.test/status",
            "click": "javascript:alert(1)",
        }
    )
    plan = plan_for(example, declared)
    body = render_chat(example, declared, plan, plan.pages[0]).body
    live = links_in(body)
    assert "https://ok.test/status" in live
    assert not [href for href in live if "evil" in href or "javascript" in href]
    assert "https\u2236//evil.test/ack" in body


def test_the_stakeholder_update_carries_no_mention_or_address() -> None:
    """The customer-safe plain-text update neutralises mentions and bare addresses too:
    Apprise escapes markup when converting text, but not mentions or auto-links."""
    declared = incident()
    facts = SummaryFacts(
        incident=declared,
        severity="SEV1",
        state="investigating",
        impact_statement="@everyone see https://evil.test/status",
        since=None,
        at=WEDNESDAY_NOON,
        items=(),
        holders={},
        unacknowledged=(),
        next_at=WEDNESDAY_NOON + timedelta(minutes=30),
    )
    message = compose_stakeholder_update(facts)
    assert_inert(message, frozenset(), "stakeholders")
    assert "(at)everyone see https\u2236//evil.test/status" in message.body


def test_the_review_export_makes_no_link_of_a_title() -> None:
    """The review document pasted into a write-up shows a producer's link as text."""
    facts = ReviewFacts(
        incident_id="inc-20",
        title=PHISHING_TITLE,
        severity="SEV1",
        impact="critical",
        urgency="high",
        services=("<!channel>",),
        state="resolved",
        impact_statement="@here",
        declared_at=WEDNESDAY_NOON,
        resolved_at=None,
        holders={},
        items=(),
        pages=(),
    )
    document = review_markdown(facts)
    assert_markdown_inert(document, frozenset(), "review", headings=4)
    assert "Acknowledge here" in document.splitlines()[0]
