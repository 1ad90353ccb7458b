"""The periodic summary, its customer-safe version, and the support lead's reminder.

Every ``summary_every`` of its severity, an open incident's state goes out without anyone writing
it: the current impact statement, the state, what changed and was learned since the last summary,
who holds each role, which pages nobody has acknowledged, what a maintenance window held or
paused and when it let go, and every page of the incident that no contact kind delivered
(someone must keep trying those people). A quiet interval says so: silence would read as
"nobody is looking". The stakeholders get a shorter version with no names and no
technical detail. All of it is composed here from plain data; nothing is read or sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from muster.worker.core.config.durations import format_duration
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.keys import HELD_KIND, PAUSED_KIND, RELEASED_KIND
from muster.worker.core.paging.plan import PagePlan
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering import escaping, listing
from muster.worker.core.rendering.broadcasts import MILESTONE_TITLES
from muster.worker.core.rendering.escaping import markdown, one_line, text
from muster.worker.core.rendering.listing import role_title
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.core.rendering.unreachable import FailedPage

SUMMARISED_KINDS = (
    "state_change",
    "sme_suggestion",
    "troubleshooting_result",
    "redefinition",
    "support_update",
    "role_change",
    "engage",
    "note",
    "acknowledged",
    HELD_KIND,
    PAUSED_KIND,
    RELEASED_KIND,
)


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One timeline entry, as a summary or an export reads it."""

    at: datetime
    kind: str
    actor: str | None
    text: str
    data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Unacknowledged:
    """A person paged for a role who has not acknowledged yet."""

    name: str
    role: str
    paged_at: datetime


@dataclass(frozen=True)
class SummaryFacts:
    """Everything a summary says, gathered by the scanner from the database."""

    incident: Incident
    severity: str
    state: str
    impact_statement: str
    since: datetime | None  # the previous summary, or None for the first
    at: datetime
    items: Sequence[TimelineItem]
    holders: Mapping[str, Sequence[str]]  # role label → names
    unacknowledged: Sequence[Unacknowledged]
    next_at: datetime | None
    final: bool = False
    failed: Sequence[FailedPage] = ()  # every failed page of the incident, not only the recent
    config_note: str | None = None  # the config file is rejected: what muster pages with


def named_holders(routing: Routing, plan: PagePlan) -> dict[str, list[str]]:
    """Role label → the names of the people holding it (their key if the config lost them)."""
    people = routing.config.people
    return {
        label: [people[p].name if p in people else p for p in names]
        for label, names in plan.holders().items()
    }


def summary_items(items: Sequence[TimelineItem]) -> list[TimelineItem]:
    """The entries a summary reports: state changes, milestones and acknowledgements."""
    return [item for item in items if item.kind in SUMMARISED_KINDS]


def folded_pages(items: Sequence[TimelineItem]) -> int:
    """How many pages of the interval were held for digests by the paging limits."""
    return sum(1 for item in items if item.kind == "page_held")


def compose_summary(facts: SummaryFacts) -> RenderedMessage:
    """The team's summary, as markdown for the ``summaries`` broadcast."""
    incident = facts.incident
    label = "Final summary" if facts.final else "Summary"
    lines = [
        f"**[{facts.severity}] {label}: {markdown(one_line(incident.title, 150))} "
        f"({markdown(one_line(incident.id))})**",
        f"State: **{facts.state}** | open for {_age(facts)} | as of {facts.at:%H:%M} UTC",
        f"Impact: {markdown(one_line(facts.impact_statement or incident.title, 800))}",
    ]
    reported = summary_items(facts.items)
    window = f"since {facts.since:%H:%M} UTC" if facts.since else "since declared"
    if reported:
        lines.append(f"What happened {window}:")
        lines += [_item_line(item) for item in reported]
    else:
        lines.append(f"Quiet interval: no state change or milestone {window}.")
    if facts.holders:
        holders, more = listing.some_holders(facts.holders)
        lines.append(
            "Roles: "
            + "; ".join(
                f"{role_title(label)} {markdown(one_line(', '.join(names)))}"
                for label, names in holders.items()
            )
            + (f"; and the SMEs of {more} more services" if more else "")
        )
    if facts.unacknowledged:
        lines.append(
            "Not acknowledged: "
            + "; ".join(
                f"{markdown(one_line(page.name, 100))} "
                f"({role_title(page.role)}, paged {page.paged_at:%H:%M})"
                for page in facts.unacknowledged
            )
        )
    elif not facts.final:
        lines.append("Every page has been acknowledged.")
    if facts.failed:
        lines.append("Could not be reached: " + "; ".join(_failed(page) for page in facts.failed))
    folded = folded_pages(facts.items)
    if folded:
        lines.append(
            f"Paging limits: {folded} page{'s' if folded != 1 else ''} {window} held for "
            "digests (one per person and kind at the window's end)."
        )
    if facts.next_at and not facts.final:
        lines.append(f"Next summary at {facts.next_at:%H:%M} UTC.")
    if facts.config_note:
        lines.append(f"Config: {escaping.markdown(escaping.one_line(facts.config_note))}.")
    title = (
        f"[{facts.severity}] {label}: {escaping.title(incident.title, 150)} "
        f"({escaping.title(incident.id)})"
    )
    return RenderedMessage(title=title, body="\n".join(lines), body_format="markdown")


def compose_stakeholder_update(facts: SummaryFacts) -> RenderedMessage:
    """The customer-safe version: severity, state, impact, services; no names, no internals."""
    incident = facts.incident
    state = "resolved" if facts.final else facts.state
    title = f"[{facts.severity}] {escaping.title(incident.title, 150)}: {state}"
    lines = [
        f"Status: {state} (as of {facts.at:%Y-%m-%d %H:%M} UTC)",
        f"Impact: {text(one_line(facts.impact_statement or incident.title, 800))}",
        "Affected services: "
        + listing.some(
            [text(one_line(s, 100)) for s in incident.services[: listing.LISTED]],
            max(len(incident.services) - listing.LISTED, 0),
        ),
    ]
    updates = [item for item in facts.items if item.kind == "support_update"]
    if updates:
        lines.append(f"Latest update: {text(one_line(updates[-1].text, 800))}")
    if facts.next_at and not facts.final:
        lines.append(f"Next update by {facts.next_at:%H:%M} UTC.")
    return RenderedMessage(title=one_line(title, 250), body="\n".join(lines), body_format="text")


def render_reminder(
    incident: Incident,
    severity: str,
    every: timedelta,
    last_update: datetime | None,
    at: datetime,
) -> RenderedMessage:
    """The support lead's nudge to update customers, with how long it has been."""
    if last_update is None:
        since = f"no customer update yet, {format_duration(at - (incident.declared_at or at))} in"
    else:
        since = f"last customer update {format_duration(at - last_update)} ago"
    body = (
        f"{severity} {incident.id}: time to update customers about "
        f"{text(one_line(incident.title, 80))} ({since}; every {format_duration(every)}). "
        f"Send it as a support_update milestone."
    )
    return RenderedMessage(
        title=f"[{severity}] Customer update due: {escaping.title(incident.title, 120)}",
        body=body,
        body_format="text",
    )


def _item_line(item: TimelineItem) -> str:
    heading = MILESTONE_TITLES.get(item.kind, item.kind.replace("_", " ").capitalize())
    if item.kind == "acknowledged":
        heading = "Acknowledged"
    by = f" ({markdown(one_line(item.actor, 100))})" if item.actor else ""
    return f"- {item.at:%H:%M} {heading}{by}: {markdown(one_line(item.text, 400))}"


def _failed(page: FailedPage) -> str:
    roles = ", ".join(role_title(role) for role in page.roles) or "paged"
    times = f"; {page.pages} pages" if page.pages > 1 else ""
    return f"{markdown(one_line(page.name, 100))} ({roles}{times}; tried {', '.join(page.kinds)})"


def _age(facts: SummaryFacts) -> str:
    declared = facts.incident.declared_at or facts.at
    return format_duration(max(facts.at - declared, timedelta(0)))
