"""A config diff as people and CI read it: plain text for a terminal, markdown for a pull-request
comment, JSON for scripts. All three show the same claims in the same order: risks first, then
each person's gained (+) and lost (−) stretches in the config's timezone, the first pages that
change, then policy.

Every name and value that comes from a config file passes through the escaping rule of the format
it is shown in (:mod:`muster.worker.core.rendering.escaping`): a pull request's YAML is written by
whoever opens it, and its comment must not mention, link or format anything on their behalf.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from muster.worker.core.checks.diff.changes import ConfigDiff
from muster.worker.core.checks.diff.pages import FirstPage, PageChange
from muster.worker.core.checks.diff.shifts import ShiftChange
from muster.worker.core.checks.lint import UNKNOWN_SERVICE
from muster.worker.core.config.issues import format_path
from muster.worker.core.rendering import escaping
from muster.worker.core.rendering.listing import first, some
from muster.worker.core.rendering.oncall import iso

FORMATS = ("text", "markdown", "json")
_DAY = "%a %d %b %H:%M"
_GAP = "nobody (a gap)"
_NOTHING = "Nothing changes for people."
_PAGES = "First pages"


def diff_data(diff: ConfigDiff) -> dict[str, Any]:
    """The diff as JSON-ready data (names as written: JSON escapes for itself)."""
    return {
        "from": iso(diff.start),
        "until": iso(diff.end),
        "status": diff.status,
        "risks": [{"path": format_path(i.path), "message": i.message} for i in diff.risks],
        "shifts": [
            {
                "person": change.person,
                "rotation": change.rotation,
                "change": "gained" if change.gained else "lost",
                "from": iso(change.starts),
                "until": iso(change.until),
                "roles": list(change.roles),
                "services": list(change.services),
            }
            for change in diff.shifts
        ],
        "pages": [
            {
                "severity": change.severity,
                "service": None if change.service == UNKNOWN_SERVICE else change.service,
                "from": iso(change.starts),
                "until": iso(change.until),
                "old": _page_data(change.old),
                "new": _page_data(change.new),
            }
            for change in diff.pages
        ],
        "policy": [{"path": format_path(c.path), "old": c.old, "new": c.new} for c in diff.policy],
    }


def diff_text(diff: ConfigDiff, names: Mapping[str, str], zone: tzinfo) -> str:
    """The diff for a terminal: a section per kind of change, a line per claim."""
    say = _plain
    lines = [f"Config diff from {_day(diff.start, zone)} until {_day(diff.end, zone)}"]
    if diff.risks:
        lines += ["", "Risks this edit brings:"]
        lines += [f"  ! {say(format_path(i.path))}: {say(i.message)}" for i in diff.risks]
    if diff.shifts:
        lines += ["", "Shifts:"]
        lines += [f"  {line}" for line in _people_lines(diff.shifts, names, zone, say)]
    if diff.pages:
        lines += ["", f"{_PAGES}:"]
        lines += [f"  {line}" for line in _page_lines(diff.pages, names, zone, say)]
    if diff.policy:
        lines += ["", "Policy:"]
        lines += [
            f"  {say(format_path(c.path))}: {say(c.old or '(absent)')} → {say(c.new or '(absent)')}"
            for c in diff.policy
        ]
    if not diff.status:
        lines += ["", _NOTHING]
    return "\n".join(lines) + "\n"


def diff_markdown(diff: ConfigDiff, names: Mapping[str, str], zone: tzinfo) -> str:
    """The diff as a pull-request comment: headed sections, a bullet per person or risk, a
    table of policy changes."""
    say = _marked
    lines = [
        "### muster config diff",
        "",
        f"From {_day(diff.start, zone)} until {_day(diff.end, zone)} ({say(str(zone))}).",
    ]
    if diff.risks:
        lines += ["", "#### ⚠️ Risks this edit brings", ""]
        lines += [
            f"- {escaping.code_span(format_path(i.path))}: {say(i.message)}" for i in diff.risks
        ]
    if diff.shifts:
        lines += ["", "#### Shifts", ""]
        lines += [f"- {line}" for line in _people_lines(diff.shifts, names, zone, say, bold=True)]
    if diff.pages:
        lines += ["", f"#### {_PAGES}", ""]
        lines += [f"- {line}" for line in _page_lines(diff.pages, names, zone, say)]
    if diff.policy:
        lines += ["", "#### Policy", "", "| Where | Before | After |", "| --- | --- | --- |"]
        lines += [
            f"| {escaping.code_span(format_path(c.path))} | {say(c.old or '(absent)')} "
            f"| {say(c.new or '(absent)')} |"
            for c in diff.policy
        ]
    if not diff.status:
        lines += ["", _NOTHING]
    return "\n".join(lines) + "\n"


def _people_lines(
    changes: tuple[ShiftChange, ...],
    names: Mapping[str, str],
    zone: tzinfo,
    say: Callable[[str], str],
    *,
    bold: bool = False,
) -> list[str]:
    """A line per person (gaps last): their stretches gained and lost, in time order."""
    people: dict[str | None, list[ShiftChange]] = {}
    for change in sorted(changes, key=lambda c: (c.starts, c.gained)):
        people.setdefault(change.person, []).append(change)
    ordered = sorted(people, key=lambda person: (person is None, person or ""))
    lines = []
    for person in ordered:
        who = _GAP if person is None else _who(person, names)
        who = f"**{say(who)}**" if bold else say(who)
        claims = "; ".join(_claim(change, zone, say) for change in people[person])
        lines.append(f"{who}: {claims}")
    return lines


def _page_lines(
    changes: tuple[PageChange, ...],
    names: Mapping[str, str],
    zone: tzinfo,
    say: Callable[[str], str],
) -> list[str]:
    """A line per severity and stretch whose first page changes alike, naming its services (the
    first few, the rest counted)."""
    grouped: dict[tuple[str, datetime, datetime, FirstPage, FirstPage], list[str]] = {}
    for change in changes:
        key = (change.severity, change.starts, change.until, change.old, change.new)
        shown = "an unknown service" if change.service == UNKNOWN_SERVICE else change.service
        grouped.setdefault(key, []).append(shown)
    lines = []
    for (severity, starts, until, old, new), services in grouped.items():
        listed, more = first(services)
        lines.append(
            f"{say(severity)} for {say(some(listed, more))}: {_day(starts, zone)}–"
            f"{_day(until, zone)} pages {say(_paged(new, names))} first,"
            f" not {say(_paged(old, names))}"
        )
    return lines


def _paged(page: FirstPage, names: Mapping[str, str]) -> str:
    return "nobody" if page is None else f"{_who(page[0], names)} by {page[1]}"


def _page_data(page: FirstPage) -> dict[str, str] | None:
    return None if page is None else {"person": page[0], "kind": page[1]}


def _claim(change: ShiftChange, zone: tzinfo, say: Callable[[str], str]) -> str:
    held = [escaping.one_line(role.replace("_", " ")) for role in change.roles]
    held += [f"SME of {service}" for service in change.services]
    sign = "+" if change.gained else "−"
    as_what = f" as {say(', '.join(held))}" if held else ""
    return (
        f"{sign}{_day(change.starts, zone)}–{_day(change.until, zone)}{as_what}"
        f" via {say(change.rotation)}"
    )


def _who(person: str, names: Mapping[str, str]) -> str:
    name = names.get(person)
    return f"{name} ({person})" if name and name != person else person


def _day(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime(_DAY)


def _plain(value: str) -> str:
    return escaping.text(escaping.one_line(value))


def _marked(value: str) -> str:
    return escaping.markdown(escaping.one_line(value))
