"""Whatever a producer writes, every message muster renders stays inert for its reader.

Hostile strings (every chat's mention syntax, markdown and HTML links, images, autolinks,
headings, code fences, control, bidi and invisible characters, line breaks in one-line fields)
go into every producer-supplied field of every render path: pages by each style, room
broadcasts, summaries, the stakeholder update and the reminder, digests, the unreachable notice,
and the review export. Each message is then read as each format an Apprise plugin may take
(:mod:`tests.harness.inert`), its title both converted with the body and prepended raw.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.worker.core.config.maintenance import HoldScope
from muster.worker.core.decisions.holds import Hold
from muster.worker.core.decisions.storm import Folded
from muster.worker.core.decisions.window_edges import Announced, Ending
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering import escaping
from muster.worker.core.rendering.broadcasts import (
    render_declared,
    render_milestone,
    render_resolved,
)
from muster.worker.core.rendering.digest import released, render_digest
from muster.worker.core.rendering.holds import (
    render_held,
    render_released,
    render_released_together,
)
from muster.worker.core.rendering.render import RenderedMessage, ack_link, render_page
from muster.worker.core.rendering.review import PageRecord, ReviewFacts, review_markdown
from muster.worker.core.rendering.summary import (
    SummaryFacts,
    TimelineItem,
    Unacknowledged,
    compose_stakeholder_update,
    compose_summary,
    render_reminder,
)
from muster.worker.core.rendering.unreachable import FailedPage, unreachable_message
from muster.worker.core.rendering.window_announcements import (
    ended_message,
    reminder_message,
    started_message,
)
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.inert import (
    MENTION,
    allowed_urls,
    assert_in_format,
    assert_inert,
    assert_markdown_inert,
    invisible,
)

MENTIONS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<#C123>",
    "@here",
    "@everyone",
    "@channel",
    "@room",
    "@all",
    "<at>Bob</at>",
    "\uff20here",  # full-width @, which NFKC and ASCII folding turn into @
    "ops@example.com",
    "!channel>",  # Apprise's Slack plugin makes these live: brackets optional, &gt; accepted
    "!here&gt;",
    "!channel|all>",
    "@U123>",
    "https://evil.test>",
]
MARKUP = [
    "[Ack here](https://evil.test/ack)",
    "![img](https://evil.test/i.png)",
    "<https://evil.test>",
    "https://evil.test/x",
    "www.evil.test",
    "[Ack][1]\n[1]: https://evil.test",
    "# Heading",
    "\n## Heading\n",
    "```",
    "\n```\nfence\n```\n",
    "    indented code",
    "<script>alert(1)</script>",
    "<a href='https://evil.test'>x</a>",
    "<img src=x onerror=alert(1)>",
    "&lt;!channel&gt;",
    "&#64;here",
    "*bold* _it_ ~~s~~ `code`",
    "| a | b |\n|---|---|",
    "\\",
    "> quote",
    "javascript:alert(1)",
    "[x](javascript:alert(1))",
]
INVISIBLE = [
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
    "\u061c",
    *map(chr, range(0x200B, 0x2010)),
    "\ufeff",
    *map(chr, range(0x2060, 0x2065)),
    "\u00ad",
    "\U000e0001",
    "\U000e0041",
    "\U000e007f",
    "\r",
    "\n",
    "\r\n",
    "\x1b[31m",
    "\x00",
    "\x85",
    "\u2028",
    "\u2029",
]
HOSTILE_URLS = [
    "https://ok.test/a b)",
    "https://ok.test/x](https://evil.test)",
    "https://ok.test/<script>",
    "javascript:alert(1)",
    "https://ok.test/@here",
    " https://ok.test/\n[x](https://evil.test)",
    "data:text/html,<b>x</b>",
]

hostile = st.lists(
    st.one_of(
        st.sampled_from(MENTIONS),
        st.sampled_from(MARKUP),
        st.sampled_from(INVISIBLE),
        st.text(max_size=6),
    ),
    min_size=1,
    max_size=6,
).map("".join)
ids = st.from_regex(r"[A-Za-z0-9._:-]{1,20}", fullmatch=True)
incidents = st.builds(
    Incident,
    id=ids,
    title=hostile,
    impact=st.just("critical"),
    urgency=st.just("high"),
    services=st.lists(hostile, min_size=1, max_size=3).map(lambda s: ("payments-api", *s)),
    summary=hostile,
    source=hostile,
    customer_reports=st.lists(hostile, max_size=2).map(tuple),
    links=st.dictionaries(hostile, st.one_of(st.sampled_from(HOSTILE_URLS), hostile), max_size=3),
    labels=st.dictionaries(hostile, hostile, max_size=2),
)
AT = WEDNESDAY_NOON
DIGEST_ACK = "https://muster.example.com/ack/digest-token"
RENDERED_BY_KIND = ("sms", "email", "chat")


def own_urls(routing: Routing, incident: Incident) -> list[str | None]:
    """Every link muster itself may offer for ``incident``: the config's, the validated
    producer links, the ack links."""
    urls: list[str | None] = [DIGEST_ACK]
    for service in routing.config.services.values():
        urls.append(escaping.safe_url(service.runbook) if service.runbook else None)
        urls += [escaping.safe_url(url) for url in service.dashboards]
    urls += [escaping.safe_url(url) for url in incident.links.values()]
    plan = build_page_plan(routing, incident, AT)
    urls += [ack_link(routing, incident, page, AT) for page in plan.pages]
    return urls


def messages(routing: Routing, incident: Incident, text: str) -> dict[str, RenderedMessage]:
    """Every render path muster sends through Apprise, fed ``incident`` and ``text``."""
    plan = build_page_plan(routing, incident, AT)
    found: dict[str, RenderedMessage] = {}
    for page in plan.pages[:2]:
        for kind in RENDERED_BY_KIND:
            found[f"page {kind} {page.person}"] = render_page(kind, routing, incident, plan, page)
    detail = "Severity SEV2 -> SEV1; services " + ", ".join(incident.services)
    found["declared"] = render_declared(routing, incident, plan)
    found["redefinition"] = render_milestone(incident, "SEV1", "redefinition", text, text, detail)
    found["resolved"] = render_resolved(incident, "SEV1", AT, AT + timedelta(hours=1), text)
    failed = FailedPage(person="bob", name=text, roles=("incident_commander",), kinds=("chat",))
    facts = SummaryFacts(
        incident=incident,
        severity="SEV1",
        state="investigating",
        impact_statement=text,
        since=None,
        at=AT,
        items=[TimelineItem(AT, k, text, text) for k in ("note", "support_update", "redefinition")],
        holders={"incident_commander": [text], "sme:payments-api": [text]},
        unacknowledged=[Unacknowledged(text, "incident_commander", AT)],
        next_at=AT + timedelta(minutes=30),
        failed=[failed],
    )
    found["summary"] = compose_summary(facts)
    found["stakeholders"] = compose_stakeholder_update(facts)
    found["reminder"] = render_reminder(incident, "SEV1", timedelta(minutes=30), None, AT)
    folded = [Folded(incident.id, "SEV1", 0, text, "investigating", AT)]
    for kind in RENDERED_BY_KIND:
        found[f"digest {kind}"] = render_digest(kind, routing, folded, DIGEST_ACK)
    found["unreachable"] = unreachable_message(incident, "SEV1", failed)
    found["held"] = render_held(incident, "SEV1", "window", text, text)
    found["held, the last one by one"] = render_held(incident, "SEV1", "window", text, text, True)
    found["released"] = render_released(incident, "SEV1", "window", text)
    found["released together"] = render_released_together([(incident, "SEV1")] * 4, "window", text)
    for kind in RENDERED_BY_KIND:
        cause = released((f"window {text}",))
        found[f"release digest {kind}"] = render_digest(kind, routing, folded, DIGEST_ACK, cause)
    found.update(window_announcements(routing, text))
    return found


def window_announcements(routing: Routing, text: str) -> dict[str, RenderedMessage]:
    """A window's start, early end and reminder, every one of its strings ``text`` (the
    config's names are checked, but the rendering does not count on it)."""
    scope = HoldScope.model_construct(
        services=[text], severities=[text], match={text: text}, match_re={text: text}
    )
    ends = AT + timedelta(hours=20)
    hold = Hold("window", text, text, scope, AT, ends, author=text)
    ending = Ending(Announced(text, AT, ends, text, (text,)), AT + timedelta(hours=1), early=True)
    zone = routing.config.zone
    return {
        "window started": started_message(hold, zone),
        "window ended": ended_message(ending, zone),
        "window reminder": reminder_message(hold, AT + timedelta(hours=13), zone),
    }


@given(incident=incidents, text=hostile)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_render_path_lets_a_producer_act_on_a_reader(
    example: Routing, incident: Incident, text: str
) -> None:
    """No live link, mention, markup or control character survives any path, in any format."""
    allowed = allowed_urls(own_urls(example, incident))
    for where, message in messages(example, incident, text).items():
        assert_inert(message, allowed, where)


@given(title=hostile, text=hostile, services=st.lists(hostile, min_size=1, max_size=3))
@settings(max_examples=60, deadline=None)
def test_the_review_export_is_inert_markdown(title: str, text: str, services: list[str]) -> None:
    """The review document keeps its own four headings and tables; producer text is only text."""
    facts = ReviewFacts(
        incident_id="inc-1",
        title=title,
        severity="SEV1",
        impact="critical",
        urgency="high",
        services=services,
        state="resolved",
        impact_statement=text,
        declared_at=AT,
        resolved_at=AT + timedelta(hours=1),
        holders={"incident_commander": [text]},
        items=[TimelineItem(AT, "note", text, text)],
        pages=[PageRecord("bob", text, "chat", text, "sent", 1, AT, AT, None)],
    )
    document = review_markdown(facts)
    assert not invisible(document, lines=True)
    assert_markdown_inert(document, frozenset(), "review", headings=4)


RULES: dict[str, tuple[Callable[[str], str], tuple[str, ...]]] = {
    "text": (escaping.text, ("text",)),
    "markdown": (lambda value: escaping.markdown(escaping.one_line(value)), ("markdown",)),
    "html": (escaping.html, ("html",)),
    "title": (escaping.title, ("text", "markdown", "html")),
}


def _alphanumerics(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def _is_subsequence(wanted: str, text: str) -> bool:
    rest = iter(text)
    return all(char in rest for char in wanted)


@pytest.mark.parametrize("rule", sorted(RULES))
@given(value=hostile)
@settings(max_examples=150, deadline=None)
def test_each_rule_is_inert_in_its_formats_and_keeps_the_words(rule: str, value: str) -> None:
    """Each format's rule makes any string inert there (a title in every format at once; a
    markdown line's text one line, as renderers give it) and escapes rather than deletes: every
    letter and digit the producer wrote is still there."""
    escape, formats = RULES[rule]
    escaped = escape(value)
    assert not invisible(escaped, lines=rule != "title")
    for fmt in formats:
        assert_in_format(escaped, fmt, frozenset(), f"{rule} as {fmt}")
    kept = _alphanumerics(escaping.visible(value))
    assert _is_subsequence(kept, _alphanumerics(escaped))


@pytest.mark.parametrize("rule", sorted(RULES))
@given(value=hostile)
@settings(max_examples=100, deadline=None)
def test_no_mention_comes_back_under_unicode_normalisation(rule: str, value: str) -> None:
    """A plugin or chat that applies NFKC (full-width ``＠`` to ``@``) revives no mention and
    no tag: the neutralisations are plain ASCII or have no compatibility form."""
    escape, _formats = RULES[rule]
    normalised = unicodedata.normalize("NFKC", escape(value))
    assert not MENTION.search(normalised), normalised


@given(value=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_printable_ascii_is_visible_as_it_is(value: str) -> None:
    """What nearly every title and name is needs nothing dropped (and is not looked at
    character by character)."""
    assert escaping.visible(value) == value
    assert escaping.visible(value, keep_lines=True) == value


@given(value=st.text(alphabet=st.characters(max_codepoint=0x7F)), keep_lines=st.booleans())
def test_ascii_controls_are_dropped_and_line_breaks_become_spaces(
    value: str, keep_lines: bool
) -> None:
    """ASCII with control characters among it: every printable character kept in order, the
    controls gone (line breaks and tabs as spaces, or line breaks as ``\\n`` if kept)."""
    shown = escaping.visible(value, keep_lines=keep_lines)
    assert all(char.isprintable() or (keep_lines and char == "\n") for char in shown)
    printable = "".join(char for char in value if char.isprintable() and not char.isspace())
    assert "".join(char for char in shown if not char.isspace()) == printable
