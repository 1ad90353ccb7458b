"""The words of broadcasts: what the incident room and the impacted services' rooms read.

Rooms get compact markdown, like chat pages, with the same distrust of producer text: a title, a
milestone or a redefinition's services cannot mention ``@channel`` or inject markup (each goes
through :mod:`muster.worker.core.rendering.escaping`). A declaration says what happened and who
has been
paged; a milestone says what changed and who said so; a resolution closes the thread.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from muster.worker.core.config.durations import format_duration
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.keys import role_label
from muster.worker.core.paging.plan import PagePlan
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering import escaping, listing
from muster.worker.core.rendering.escaping import code_span, markdown, markdown_link, one_line
from muster.worker.core.rendering.listing import role_title
from muster.worker.core.rendering.render import RenderedMessage, incident_links, service_links

MILESTONE_TITLES = {
    "sme_suggestion": "SME suggestion",
    "troubleshooting_result": "Troubleshooting result",
    "redefinition": "Incident redefined",
    "support_update": "Support update",
    "state_change": "State change",
    "role_change": "Role change",
    "engage": "More help engaged",
    "note": "Note",
}


def render_declared(routing: Routing, incident: Incident, plan: PagePlan) -> RenderedMessage:
    """The room's announcement of a new incident: facts, who is paged, where to look."""
    people = routing.config.people
    routes, unnamed = listing.planned_services(plan)
    held, more = listing.held(plan)
    lines = [
        f"**[{plan.severity}] {markdown(one_line(incident.title, 200))}** "
        f"({code_span(incident.id)}) declared",
        f"Impact {plan.impact} / urgency {plan.urgency} / services "
        + listing.some(
            [
                markdown(one_line(r.service, 100))
                + ("" if r.known else f" (unknown, to {r.handled_by})")
                for r in routes
            ],
            unnamed,
        ),
        "Paged: "
        + "; ".join(
            f"{role_title(label)} {markdown(one_line(', '.join(people[p].name for p in holders)))}"
            for label, holders in held.items()
        )
        + (f"; and the SMEs of {more} more services" if more else ""),
    ]
    if plan.gaps:
        gaps, more = listing.first(plan.gaps)
        lines.append(
            "Gaps: "
            + "; ".join(
                f"{role_title(role_label(g.role, g.service))} (nobody on call in {g.rotation})"
                for g in gaps
            )
            + (f"; and {more} more" if more else "")
        )
    for service, runbook, dashboards in service_links(routing, plan):
        links = ([runbook] if runbook else []) + dashboards
        if links:
            lines.append(
                f"{markdown(one_line(service))}: "
                + " | ".join(markdown_link(link.name, link.url) for link in links)
            )
    links = incident_links(incident)
    if links:
        lines.append("Links: " + " | ".join(markdown_link(link.name, link.url) for link in links))
    if incident.summary:
        lines.append("> " + markdown(one_line(incident.summary, 600)))
    title = f"[{plan.severity}] {escaping.title(incident.title, 200)}"
    return RenderedMessage(title=title, body="\n".join(lines), body_format="markdown")


def render_milestone(
    incident: Incident, severity: str, kind: str, text: str, author: str | None, detail: str = ""
) -> RenderedMessage:
    """A milestone for the rooms: what kind, who said it, what it says, and what changed
    (``detail``, composed by muster from what the producer sent, is escaped like its text)."""
    heading = MILESTONE_TITLES.get(kind, kind)
    by = f" by {markdown(one_line(author, 100))}" if author else ""
    lines = [
        f"**[{severity}] {markdown(one_line(incident.title, 120))}** ({code_span(incident.id)})"
    ]
    lines.append(f"*{heading}*{by}: {markdown(one_line(text, 1500))}")
    if detail:
        lines.append(markdown(one_line(detail)))
    return RenderedMessage(
        title=f"[{severity}] {escaping.title(incident.id)}: {heading}",
        body="\n".join(lines),
        body_format="markdown",
    )


def render_resolved(
    incident: Incident, severity: str, declared_at: datetime, at: datetime, text: str | None
) -> RenderedMessage:
    """The room's notice that the incident is over, with how long it lasted."""
    lasted = format_duration(max(at - declared_at, timedelta(0)))
    lines = [
        f"**[{severity}] {markdown(one_line(incident.title, 160))}** "
        f"({code_span(incident.id)}) resolved after {lasted}"
    ]
    if text:
        lines.append("> " + markdown(one_line(text, 1500)))
    return RenderedMessage(
        title=f"[{severity}] {escaping.title(incident.id)} resolved",
        body="\n".join(lines),
        body_format="markdown",
    )
