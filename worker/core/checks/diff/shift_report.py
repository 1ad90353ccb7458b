"""The shifts section of a diff as people and scripts read it: a line per person (gaps last),
each stretch gained (+) or lost (−) in time order, with the roles and services it is held for.
"""

from __future__ import annotations

from typing import Any

from muster.worker.core.checks.diff.shifts import ShiftChange
from muster.worker.core.checks.diff.words import Words
from muster.worker.core.rendering import escaping
from muster.worker.core.rendering.oncall import iso

_GAP = "nobody (a gap)"


def shift_lines(changes: tuple[ShiftChange, ...], words: Words) -> list[str]:
    """A line per person (gaps last): their stretches gained and lost, in time order."""
    people: dict[str | None, list[ShiftChange]] = {}
    for change in sorted(changes, key=lambda c: (c.starts, c.gained)):
        people.setdefault(change.person, []).append(change)
    ordered = sorted(people, key=lambda person: (person is None, person or ""))
    lines = []
    for person in ordered:
        who = words.say(_GAP) if person is None else words.who(person)
        who = f"**{who}**" if words.bold else who
        claims = "; ".join(_claim(change, words) for change in people[person])
        lines.append(f"{who}: {claims}")
    return lines


def shift_data(change: ShiftChange) -> dict[str, Any]:
    """One shift claim as JSON-ready data."""
    return {
        "person": change.person,
        "rotation": change.rotation,
        "change": "gained" if change.gained else "lost",
        "from": iso(change.starts),
        "until": iso(change.until),
        "roles": list(change.roles),
        "services": list(change.services),
    }


def _claim(change: ShiftChange, words: Words) -> str:
    held = [escaping.one_line(role.replace("_", " ")) for role in change.roles]
    held += [f"SME of {service}" for service in change.services]
    sign = "+" if change.gained else "−"
    as_what = f" as {words.say(', '.join(held))}" if held else ""
    span = words.span(change.starts, change.until)
    return f"{sign}{span}{as_what} via {words.say(change.rotation)}"
