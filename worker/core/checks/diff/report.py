"""A config diff as people and CI read it: plain text for a terminal, markdown for a pull-request
comment, JSON for scripts. All three show the same claims in the same order: risks first, then
each person's gained (+) and lost (−) stretches in the config's timezone, the pages that change,
then policy. Each section's lines are written once (``*_report`` modules) in the words of the
format (:class:`~.words.Words`): every name and value from a config file passes through that
format's escaping rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from muster.worker.core.checks.diff.alert_report import alert_data, alert_lines
from muster.worker.core.checks.diff.changes import ConfigDiff
from muster.worker.core.checks.diff.heartbeat_report import heartbeat_data, heartbeat_lines
from muster.worker.core.checks.diff.page_report import (
    first_page_data,
    first_page_lines,
    page_data,
    page_lines,
)
from muster.worker.core.checks.diff.shift_report import shift_data, shift_lines
from muster.worker.core.checks.diff.window_report import window_data, window_lines
from muster.worker.core.checks.diff.words import Words, marked, plain
from muster.worker.core.config.issues import format_path
from muster.worker.core.rendering import escaping
from muster.worker.core.rendering.oncall import iso

_NOTHING = "Nothing changes for people."
_ABSENT = "(absent)"


def diff_data(diff: ConfigDiff) -> dict[str, Any]:
    """The diff as JSON-ready data (names as written: JSON escapes for itself)."""
    return {
        "from": iso(diff.start),
        "until": iso(diff.end),
        "status": diff.status,
        "risks": [{"path": format_path(i.path), "message": i.message} for i in diff.risks],
        "shifts": [shift_data(change) for change in diff.shifts],
        "first_pages": [first_page_data(change) for change in diff.pages.first],
        "pages": [page_data(change) for change in diff.pages.chains],
        "windows": window_data(diff.windows),
        "heartbeats": [heartbeat_data(change) for change in diff.heartbeats],
        "alerts": [alert_data(change) for change in diff.alerts],
        "policy": [{"path": format_path(c.path), "old": c.old, "new": c.new} for c in diff.policy],
    }


def _sections(diff: ConfigDiff, words: Words) -> list[tuple[str, list[str]]]:
    """The sections every format shows between the risks and the policy, in order."""
    return [
        (title, lines)
        for title, lines in (
            ("Shifts", shift_lines(diff.shifts, words)),
            ("First pages", first_page_lines(diff.pages.first, words)),
            ("Pages", page_lines(diff.pages.chains, words)),
            ("Maintenance windows", window_lines(diff.windows, words)),
            ("Heartbeat monitors", heartbeat_lines(diff.heartbeats, words)),
            ("Alerts classified differently", alert_lines(diff.alerts, words)),
        )
        if lines
    ]


def diff_text(diff: ConfigDiff, names: Mapping[str, str], zone: tzinfo) -> str:
    """The diff for a terminal: a section per kind of change, a line per claim."""
    words = Words(plain, names, zone)
    say = words.say
    lines = [f"Config diff from {words.day(diff.start)} until {words.day(diff.end)}"]
    if diff.risks:
        lines += ["", "Risks this edit brings:"]
        lines += [f"  ! {say(format_path(i.path))}: {say(i.message)}" for i in diff.risks]
    for title, body in _sections(diff, words):
        lines += ["", f"{title}:", *(f"  {line}" for line in body)]
    if diff.policy:
        lines += ["", "Policy:"]
        lines += [
            f"  {say(format_path(c.path))}: {say(c.old or _ABSENT)} → {say(c.new or _ABSENT)}"
            for c in diff.policy
        ]
    if not diff.status:
        lines += ["", _NOTHING]
    return "\n".join(lines) + "\n"


def diff_markdown(diff: ConfigDiff, names: Mapping[str, str], zone: tzinfo) -> str:
    """The diff as a pull-request comment: headed sections, a bullet per person, risk or claim,
    a table of policy changes."""
    words = Words(marked, names, zone, bold=True)
    say = words.say
    lines = [
        "### muster config diff",
        "",
        f"From {words.day(diff.start)} until {words.day(diff.end)} ({say(str(zone))}).",
    ]
    if diff.risks:
        lines += ["", "#### ⚠️ Risks this edit brings", ""]
        lines += [
            f"- {escaping.code_span(format_path(i.path))}: {say(i.message)}" for i in diff.risks
        ]
    for title, body in _sections(diff, words):
        lines += ["", f"#### {title}", "", *(f"- {line}" for line in body)]
    if diff.policy:
        lines += ["", "#### Policy", "", "| Where | Before | After |", "| --- | --- | --- |"]
        lines += [
            f"| {escaping.code_span(format_path(c.path))} | {say(c.old or _ABSENT)} "
            f"| {say(c.new or _ABSENT)} |"
            for c in diff.policy
        ]
    if not diff.status:
        lines += ["", _NOTHING]
    return "\n".join(lines) + "\n"
