"""The words of a page, per contact kind: one clear message with the links to act on.

Three styles: SMS (plain ASCII text, one 160-character segment where possible, carrying the single
most useful link), email (a subject and a full plain-text body) and chat (compact markdown with the
same facts as the email). Contact kinds named ``sms`` and ``email`` use their own style; every other
kind (chat, teams, matrix…) uses the chat style.

Nothing a producer sends is trusted as markup: every producer string goes through the rule of
its format in :mod:`muster.worker.core.rendering.escaping` (titles through its title rule), and only
http(s) URLs become links, in muster's own link lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from muster.worker.core.intake.ack_tokens import link
from muster.worker.core.intake.reply_codes import reply_code
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.plan import PagePlan, PlannedPage
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering import escaping, listing
from muster.worker.core.rendering.escaping import (
    ascii_text,
    markdown,
    one_line,
    plain_block,
    safe_url,
    sms,
    text,
)
from muster.worker.core.rendering.listing import role_title

SMS_SEGMENT = 160
_CONFERENCE_HINTS = ("conference", "bridge", "call", "zoom", "meet", "huddle", "war-room", "room")


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


def incident_links(incident: Incident) -> list[Link]:
    """The incident's http(s) links, conference-like ones first."""
    links = [
        Link(one_line(name, 60) or "link", url)
        for name, raw in incident.links.items()
        if (url := safe_url(raw)) is not None
    ]
    return sorted(links, key=lambda link: not _is_conference(link.name))


def service_links(
    routing: Routing, plan: PagePlan, own: Iterable[str] = ()
) -> list[tuple[str, Link | None, list[Link]]]:
    """Per handled service: its runbook and dashboards, each service once; ``own`` (the
    reader's services) first, then up to :data:`~muster.worker.core.rendering.listing.LISTED`
    services."""
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


def ack_link(
    routing: Routing, incident: Incident, page: PlannedPage, issued_at: datetime
) -> str | None:
    """The Acknowledge link of ``page`` (none without ``ack`` config), expiring counted from
    ``issued_at``, when the page is sent."""
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
    title = sms(one_line(incident.title))
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
        f"[{plan.severity}] {flag}{escaping.title(incident.title)} ({incident.id})"
        f" - paged as {roles}",
        250,
    )
    lines = [
        f"{plan.severity}: {text(one_line(incident.title))}",
        f"Incident: {incident.id}",
        f"You are paged as: {roles}",
        *(
            [f"Acknowledge: {link}"]
            if (link := ack_link(routing, incident, page, issued_at or plan.at))
            else []
        ),
        f"Impact: {plan.impact}    Customer urgency: {plan.urgency}",
        "Services: " + _service_names(plan, listing.own_services(page), text),
    ]
    if incident.source:
        lines.append(f"Declared by: {text(one_line(incident.source))}")
    if incident.summary:
        lines += ["", "Summary:", text(plain_block(incident.summary))]
    lines += ["", "Who holds what:"]
    holders, more = listing.held(plan, [a.label for a in page.assignments])
    lines += [
        f"  {role_title(label)}: {text(one_line(', '.join(_names(routing, people))))}"
        for label, people in holders.items()
    ]
    lines += [f"  and the SMEs of {more} more services"] if more else []
    for service, runbook, dashboards in service_links(routing, plan, listing.own_services(page)):
        lines += ["", f"{text(one_line(service))}:"]
        if runbook:
            lines.append(f"  Runbook: {runbook.url}")
        lines += [f"  {link.name.capitalize()}: {link.url}" for link in dashboards]
    links = incident_links(incident)
    if links:
        lines += ["", "Links:"] + [f"  {text(link.name)}: {link.url}" for link in links]
    if incident.customer_reports:
        lines += ["", "Customer reports:"]
        lines += [f"  - {text(one_line(report, 300))}" for report in incident.customer_reports]
    if incident.labels:
        lines += [
            "",
            "Labels: "
            + ", ".join(
                f"{text(one_line(k, 60))}={text(one_line(v, 200))}"
                for k, v in incident.labels.items()
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
    title = markdown(one_line(incident.title, 200))
    holders, more = listing.held(plan, [a.label for a in page.assignments])
    lines = [
        f"**[{plan.severity}] {'ESCALATED: ' if escalated(page) else ''}{title}** "
        f"({escaping.code_span(incident.id)})",
        f"You are paged as **{roles}**"
        + (
            f" | [Acknowledge]({link})"
            if (link := ack_link(routing, incident, page, issued_at or plan.at))
            else ""
        ),
        f"Impact {plan.impact} / urgency {plan.urgency} / services "
        + _service_names(plan, listing.own_services(page), markdown),
        "Roles: "
        + "; ".join(
            f"{role_title(label)} {markdown(one_line(', '.join(_names(routing, people))))}"
            for label, people in holders.items()
        )
        + (f"; and the SMEs of {more} more services" if more else ""),
    ]
    for service, runbook, dashboards in service_links(routing, plan, listing.own_services(page)):
        links = ([runbook] if runbook else []) + dashboards
        if links:
            lines.append(
                f"{markdown(one_line(service))}: "
                + " | ".join(_markdown_link(link) for link in links)
            )
    links = incident_links(incident)
    if links:
        lines.append("Links: " + " | ".join(_markdown_link(link) for link in links))
    if incident.summary:
        lines.append("> " + markdown(one_line(incident.summary, 600)))
    if incident.customer_reports:
        reports = ", ".join(markdown(one_line(r, 80)) for r in incident.customer_reports[:5])
        more = len(incident.customer_reports) - 5
        lines.append(f"Customer reports: {reports}" + (f" (+{more} more)" if more > 0 else ""))
    return RenderedMessage(
        title=f"[{plan.severity}] {escaping.title(incident.title, 200)}",
        body="\n".join(lines),
        body_format="markdown",
    )


def _markdown_link(link: Link) -> str:
    return escaping.markdown_link(link.name, link.url)


def _is_conference(name: str) -> bool:
    lowered = name.lower()
    return any(hint in lowered for hint in _CONFERENCE_HINTS)


def _service_names(plan: PagePlan, own: list[str], escape: Callable[[str], str]) -> str:
    routes, more = listing.planned_services(plan, own)
    return listing.some(
        [
            escape(one_line(route.service, 100))
            if route.known
            else f"{escape(one_line(route.service, 100))} (unknown, routed to {route.handled_by})"
            for route in routes
        ],
        more,
    )


def _names(routing: Routing, people: list[str]) -> list[str]:
    return [routing.config.people[person].name for person in people]
