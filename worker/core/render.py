"""The words of a page, per contact kind: one clear message with the links to act on.

Three styles: SMS (plain ASCII text, one 160-character segment where possible, carrying the single
most useful link), email (a subject and a full plain-text body) and chat (compact markdown with the
same facts as the email). Contact kinds named ``sms`` and ``email`` use their own style; every other
kind (chat, teams, matrix…) uses the chat style.

Nothing a producer sends is trusted as markup: titles, summaries, labels and link names are
flattened to text, chat mentions (``@here``, ``<!channel>``) are defused, markdown is escaped, and
only http(s) URLs become links.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from muster.worker.core import listing
from muster.worker.core.ack_tokens import link
from muster.worker.core.incident import Incident
from muster.worker.core.listing import role_title
from muster.worker.core.plan import PagePlan, PlannedPage
from muster.worker.core.reply_codes import reply_code
from muster.worker.core.routing import Routing

SMS_SEGMENT = 160
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_MARKDOWN = re.compile(r"([\\`*_~\[\]|#])")
_CONFERENCE_HINTS = ("conference", "bridge", "call", "zoom", "meet", "huddle", "war-room", "room")
ZERO_WIDTH_SPACE = "\u200b"


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """A message ready for a channel: title (email subject), body, and the body's format."""

    title: str
    body: str
    body_format: str  # "text" or "markdown"


@dataclass(frozen=True, slots=True)
class Link:
    """A named http(s) link, in the order it should be offered."""

    name: str
    url: str


def one_line(text: str, limit: int | None = None) -> str:
    """Producer text as a single safe line: no control or bidi characters, spaces collapsed."""
    flat = _SPACES.sub(" ", _CONTROL.sub("", text)).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: max(limit - 3, 0)].rstrip() + "..."
    return flat


def plain_block(text: str) -> str:
    """Producer text as safe plain paragraphs: control characters gone, line breaks kept."""
    lines = (_SPACES.sub(" ", _CONTROL.sub("", line)).strip() for line in text.splitlines())
    return "\n".join(lines).strip()


def chat_text(text: str) -> str:
    """Producer text made inert in chat: markdown escaped, HTML brackets and mentions defused."""
    return defuse(_MARKDOWN.sub(r"\\\1", text))


def defuse(text: str) -> str:
    """Text with HTML brackets replaced by look-alikes and every ``@`` mention broken."""
    text = text.replace("<", "\u2039").replace(">", "\u203a")
    return text.replace("@", "@" + ZERO_WIDTH_SPACE)


def safe_url(url: str) -> str | None:
    """``url`` if it is an http(s) URL, with characters that could break markup percent-encoded."""
    candidate = url.strip()
    if not re.match(r"^https?://[^\s/]", candidate, re.IGNORECASE):
        return None
    return quote(candidate, safe=":/?#[]@!$&'*+,;=%-._~")


def ascii_text(text: str) -> str:
    """Text reduced to ASCII so an SMS stays in the 160-character GSM encoding."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def incident_links(incident: Incident) -> list[Link]:
    """The incident's http(s) links, conference-like ones first."""
    links = [
        Link(one_line(name, 60), url)
        for name, raw in incident.links.items()
        if (url := safe_url(raw)) is not None
    ]
    return sorted(links, key=lambda link: not _is_conference(link.name))


def service_links(
    routing: Routing, plan: PagePlan, own: Iterable[str] = ()
) -> list[tuple[str, Link | None, list[Link]]]:
    """Per handled service: its runbook and dashboards, each service once; ``own`` (the
    reader's services) first, then up to :data:`~muster.worker.core.listing.LISTED` services."""
    handled = [route.handled_by for route in plan.services if route.handled_by is not None]
    result = []
    for name in listing.first(handled, wanted=own)[0]:
        service = routing.config.services[name]
        runbook = safe_url(service.runbook) if service.runbook else None
        dashboards = [
            Link(f"dashboard {n}", url)
            for n, raw in enumerate(service.dashboards, 1)
            if (url := safe_url(raw)) is not None
        ]
        result.append((name, Link("runbook", runbook) if runbook else None, dashboards))
    return result


def most_useful_link(
    routing: Routing, incident: Incident, plan: PagePlan, page: PlannedPage
) -> str | None:
    """The one link an SMS carries: the conference, else the runbook of what they are paged for."""
    links = incident_links(incident)
    if links and _is_conference(links[0].name):
        return links[0].url
    own = listing.own_services(page)
    found = service_links(routing, plan, own)
    runbooks = {service: runbook for service, runbook, _ in found if runbook}
    for service in own + list(runbooks):
        if service in runbooks:
            return runbooks[service].url
    return links[0].url if links else None


def render_page(
    kind: str,
    routing: Routing,
    incident: Incident,
    plan: PagePlan,
    page: PlannedPage,
    issued_at: datetime | None = None,
) -> RenderedMessage:
    """The message for ``page`` through a contact kind, in that kind's style; its ack link
    expires counting from ``issued_at`` (default: the plan's instant)."""
    if kind == "sms":
        return render_sms(routing, incident, plan, page)
    if kind == "email":
        return render_email(routing, incident, plan, page, issued_at)
    return render_chat(routing, incident, plan, page, issued_at)


def _link(
    routing: Routing, incident: Incident, page: PlannedPage, issued_at: datetime
) -> str | None:
    return link(routing.config.ack, incident.id, page.person, issued_at)


def escalated(page: PlannedPage) -> bool:
    """Whether this page climbed an escalation chain (unacknowledged, or nobody on call)."""
    return any(assignment.escalation_level > 0 for assignment in page.assignments)


def render_sms(
    routing: Routing, incident: Incident, plan: PagePlan, page: PlannedPage
) -> RenderedMessage:
    """Severity, id, title, role and the one most useful link, in one segment where possible."""
    roles = listing.paged_as(page)
    link = most_useful_link(routing, incident, plan, page)
    head = f"{plan.severity} {'ESCALATED ' if escalated(page) else ''}{incident.id}: "
    reply = (
        f" | reply {reply_code(incident.id)} to ack" if routing.config.intake.sms_replies else ""
    )
    tail = ascii_text(f" | you: {roles}") + reply + (f" {link}" if link else "")
    room = SMS_SEGMENT - len(head) - len(tail)
    title = ascii_text(one_line(incident.title))
    if len(title) > room:
        title = one_line(title, max(room, 20))
    body = ascii_text(head) + title + tail
    return RenderedMessage(title="", body=body, body_format="text")


def render_email(
    routing: Routing,
    incident: Incident,
    plan: PagePlan,
    page: PlannedPage,
    issued_at: datetime | None = None,
) -> RenderedMessage:
    """A subject that says what and why you, and a body with everything needed to act."""
    roles = listing.paged_as(page)
    flag = "ESCALATED: " if escalated(page) else ""
    subject = one_line(
        f"[{plan.severity}] {flag}{incident.title} ({incident.id}) - paged as {roles}", 250
    )
    lines = [
        f"{plan.severity}: {one_line(incident.title)}",
        f"Incident: {incident.id}",
        f"You are paged as: {roles}",
        *(
            [f"Acknowledge: {link}"]
            if (link := _link(routing, incident, page, issued_at or plan.at))
            else []
        ),
        f"Impact: {plan.impact}    Customer urgency: {plan.urgency}",
        "Services: " + _service_names(plan, listing.own_services(page)),
    ]
    if incident.source:
        lines.append(f"Declared by: {one_line(incident.source)}")
    if incident.summary:
        lines += ["", "Summary:", plain_block(incident.summary)]
    lines += ["", "Who holds what:"]
    holders, more = listing.held(plan, [a.label for a in page.assignments])
    lines += [
        f"  {role_title(label)}: {', '.join(_names(routing, people))}"
        for label, people in holders.items()
    ]
    lines += [f"  and the SMEs of {more} more services"] if more else []
    for service, runbook, dashboards in service_links(routing, plan, listing.own_services(page)):
        lines += ["", f"{service}:"]
        if runbook:
            lines.append(f"  Runbook: {runbook.url}")
        lines += [f"  {link.name.capitalize()}: {link.url}" for link in dashboards]
    links = incident_links(incident)
    if links:
        lines += ["", "Links:"] + [f"  {link.name}: {link.url}" for link in links]
    if incident.customer_reports:
        lines += ["", "Customer reports:"]
        lines += [f"  - {one_line(report, 300)}" for report in incident.customer_reports]
    if incident.labels:
        lines += [
            "",
            "Labels: "
            + ", ".join(
                f"{one_line(k, 60)}={one_line(v, 200)}" for k, v in incident.labels.items()
            ),
        ]
    return RenderedMessage(title=subject, body="\n".join(lines) + "\n", body_format="text")


def render_chat(
    routing: Routing,
    incident: Incident,
    plan: PagePlan,
    page: PlannedPage,
    issued_at: datetime | None = None,
) -> RenderedMessage:
    """The email's facts as compact markdown: one short block per concern."""
    roles = listing.paged_as(page)
    title = chat_text(one_line(incident.title, 200))
    holders, more = listing.held(plan, [a.label for a in page.assignments])
    lines = [
        f"**[{plan.severity}] {'ESCALATED: ' if escalated(page) else ''}{title}** "
        f"(`{chat_text(incident.id)}`)",
        f"You are paged as **{roles}**"
        + (
            f" | [Acknowledge]({link})"
            if (link := _link(routing, incident, page, issued_at or plan.at))
            else ""
        ),
        f"Impact {plan.impact} / urgency {plan.urgency} / services "
        + chat_text(_service_names(plan, listing.own_services(page))),
        "Roles: "
        + "; ".join(
            f"{role_title(label)} {chat_text(', '.join(_names(routing, people)))}"
            for label, people in holders.items()
        )
        + (f"; and the SMEs of {more} more services" if more else ""),
    ]
    for service, runbook, dashboards in service_links(routing, plan, listing.own_services(page)):
        links = ([runbook] if runbook else []) + dashboards
        if links:
            lines.append(
                f"{chat_text(service)}: " + " | ".join(_markdown_link(link) for link in links)
            )
    links = incident_links(incident)
    if links:
        lines.append("Links: " + " | ".join(_markdown_link(link) for link in links))
    if incident.summary:
        lines.append("> " + chat_text(one_line(incident.summary, 600)))
    if incident.customer_reports:
        reports = ", ".join(chat_text(one_line(r, 80)) for r in incident.customer_reports[:5])
        more = len(incident.customer_reports) - 5
        lines.append(f"Customer reports: {reports}" + (f" (+{more} more)" if more > 0 else ""))
    return RenderedMessage(
        title=defuse(one_line(f"[{plan.severity}] {incident.title}", 200)),
        body="\n".join(lines),
        body_format="markdown",
    )


def _markdown_link(link: Link) -> str:
    return f"[{chat_text(link.name)}]({link.url})"


def _is_conference(name: str) -> bool:
    lowered = name.lower()
    return any(hint in lowered for hint in _CONFERENCE_HINTS)


def _service_names(plan: PagePlan, own: list[str]) -> str:
    routes, more = listing.planned_services(plan, own)
    return listing.some(
        [
            one_line(route.service, 100)
            if route.known
            else f"{one_line(route.service, 100)} (unknown, routed to {route.handled_by})"
            for route in routes
        ],
        more,
    )


def _names(routing: Routing, people: list[str]) -> list[str]:
    return [routing.config.people[person].name for person in people]
