"""The incident review's starting point: the whole timeline as markdown or JSON-ready data.

Roles and who held them, every page and whether it was acknowledged, milestones, state changes,
escalations and summaries, in time order: what happened, from the record rather than memory.
Successful sends are folded into the pages table so the timeline reads as events, not traffic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from muster.worker.core.config.durations import format_duration
from muster.worker.core.rendering.broadcasts import MILESTONE_TITLES
from muster.worker.core.rendering.escaping import markdown, one_line
from muster.worker.core.rendering.listing import role_title
from muster.worker.core.rendering.summary import TimelineItem

_FOLDED = {"page_sent", "broadcast_sent", "reminder_sent"}


@dataclass(frozen=True, slots=True)
class PageRecord:
    """One delivery to a person, as the review reports it."""

    person: str
    name: str
    kind: str
    reason: str
    status: str
    attempts: int
    created_at: datetime
    finished_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class ReviewFacts:
    """What the review export is made of."""

    incident_id: str
    title: str
    severity: str
    impact: str
    urgency: str
    services: Sequence[str]
    state: str
    impact_statement: str
    declared_at: datetime
    resolved_at: datetime | None
    holders: Mapping[str, Sequence[str]]
    items: Sequence[TimelineItem]
    pages: Sequence[PageRecord]


def review_data(facts: ReviewFacts) -> dict[str, Any]:
    """The review as JSON-ready data (times in RFC 3339)."""
    data = asdict(facts)
    data["items"] = [_item_data(item) for item in facts.items]
    data["pages"] = [_page_data(page) for page in facts.pages]
    data["declared_at"] = _iso(facts.declared_at)
    data["resolved_at"] = _iso(facts.resolved_at) if facts.resolved_at else None
    data["services"] = list(facts.services)
    data["holders"] = {label: list(names) for label, names in facts.holders.items()}
    return data


def review_markdown(facts: ReviewFacts) -> str:
    """The review as a markdown document to paste into the post-incident write-up."""
    end = facts.resolved_at or (facts.items[-1].at if facts.items else facts.declared_at)
    duration = format_duration(max(end - facts.declared_at, timedelta(0)))
    acked = {item.actor for item in facts.items if item.kind == "acknowledged"}
    lines = [
        f"# {facts.incident_id}: {_cell(facts.title)}",
        "",
        f"- Severity: {facts.severity} (impact {facts.impact}, urgency {facts.urgency})",
        f"- Services: {', '.join(_cell(service) for service in facts.services)}",
        f"- State: {facts.state}",
        f"- Declared: {_iso(facts.declared_at)}",
        f"- Resolved: {_iso(facts.resolved_at) if facts.resolved_at else 'not yet'}"
        + (f" (after {duration})" if facts.resolved_at else ""),
        f"- Impact: {_cell(facts.impact_statement)}",
        "",
        "## Roles",
        "",
    ]
    lines += [
        f"- {role_title(label)}: {_cell(', '.join(names))}"
        for label, names in facts.holders.items()
    ]
    lines += ["", "## Timeline", "", "| time (UTC) | event | who | detail |", "|---|---|---|---|"]
    for item in facts.items:
        if item.kind in _FOLDED:
            continue
        lines.append(
            f"| {item.at:%Y-%m-%d %H:%M:%S} | {_event(item.kind)} | "
            f"{_cell(item.actor or '')} | {_cell(item.text)} |"
        )
    lines += [
        "",
        "## Pages",
        "",
        "| paged at | person | kind | why | status | tries | acknowledged |",
        "|---|---|---|---|---|---|---|",
    ]
    for page in facts.pages:
        lines.append(
            f"| {page.created_at:%H:%M:%S} | {_cell(page.name)} | {page.kind} | "
            f"{_cell(page.reason)} | {page.status} | {page.attempts} | "
            f"{'yes' if page.person in acked else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def _event(kind: str) -> str:
    return MILESTONE_TITLES.get(kind, kind.replace("_", " "))


def _cell(text: str) -> str:
    return markdown(one_line(text, 300))


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _item_data(item: TimelineItem) -> dict[str, Any]:
    return {
        "at": _iso(item.at),
        "kind": item.kind,
        "actor": item.actor,
        "text": item.text,
        "data": dict(item.data),
    }


def _page_data(page: PageRecord) -> dict[str, Any]:
    data = asdict(page)
    data["created_at"] = _iso(page.created_at)
    data["finished_at"] = _iso(page.finished_at) if page.finished_at else None
    return data
