"""Configs and small random edits of them for ``muster config diff``'s tests, and the routing
engine's own answer that the diff's claims are checked against.

:func:`edits` draws a config (the minimal document with a commanders rotation of random shape,
a team-leads rotation and an empty one) and a small edit of it: members swapped or added, the
handoff moved, the first turn later, overrides, a matrix cell, a level's ``ack_within`` or
``via``, a chain's ``escalate_to``, the escalation ``repeat``. :func:`engine_pages` is what
``build_page_plan``, ``escalation_timeline`` and ``plan_pages`` say a declaration pages, by role
and delay — written here apart from the diff, so a property compares two computations.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml
from hypothesis import strategies as st

from muster.config.loader import load_text
from muster.worker.core.paging.escalation import escalation_timeline
from muster.worker.core.paging.incident import Incident
from muster.worker.core.paging.keys import role_label
from muster.worker.core.paging.plan import Assignment, build_page_plan, plan_pages
from muster.worker.core.paging.routing import Routing
from tests.harness.configs import minimal_document

MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # the commanders hand off at 09:00
PEOPLE = ["ann", "ben", "cat", "dan", "eve"]
LEVELS = ("SEV1", "SEV2")
SERVICES = ("api", "(unknown service)")

Sent = dict[tuple[str, timedelta], set[tuple[str, str]]]
"""(role, delay) → the (person, kind) pages that step sends."""


def routing_of(document: dict[str, Any]) -> Routing:
    """A document loaded as ops' files are."""
    return load_text(yaml.safe_dump(document), "<test>", {}).routing


def document_with(**commanders: Any) -> dict[str, Any]:
    """The minimal document, eve added (chat and email), its commanders rotation changed."""
    document = minimal_document()
    document["people"]["eve"] = {"name": "Eve", "chat": "eve", "email": "eve@example.com"}
    document["rotations"]["commanders"].update(commanders)
    return document


def at(day: int, hour: int) -> datetime:
    """``day`` days and ``hour`` hours after :data:`MONDAY`."""
    return MONDAY + timedelta(days=day, hours=hour)


def engine_pages(routing: Routing, level: str, service: str, moment: datetime) -> Sent:
    """Every page a ``level`` incident of ``service`` declared at ``moment`` sends, by role and
    delay (0: at once), as the routing engine plans and escalates it."""
    incident = Incident(id="t", title="t", impact="", urgency="", services=(service,))
    severity = routing.level(level)
    plan = build_page_plan(routing, incident, moment, severity=severity)
    sent: Sent = {}
    for page in plan.pages:
        for assignment in page.assignments:
            for kind in page.kinds:
                sent.setdefault((assignment.label, timedelta(0)), set()).add((page.person, kind))
    for step in escalation_timeline(routing, plan):
        if step.person is None:
            continue
        held = Assignment(step.role, step.service, step.rotation, max(step.level, 1))
        for page in plan_pages(routing, [(step.person, held)], severity.level.via):
            label = role_label(step.role, step.service)
            sent.setdefault((label, step.after), set()).update(
                (page.person, kind) for kind in page.kinds
            )
    return sent


def engine_first(routing: Routing, level: str, service: str, moment: datetime) -> Any:
    """Who the engine pages first, by which kind (None: nobody)."""
    incident = Incident(id="t", title="t", impact="", urgency="", services=(service,))
    plan = build_page_plan(routing, incident, moment, severity=routing.level(level))
    if not plan.pages or not plan.pages[0].contacts:
        return None
    return plan.pages[0].person, plan.pages[0].contacts[0].kind


def _base(draw: st.DrawFn) -> dict[str, Any]:
    members = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4, unique=True))
    every = draw(st.sampled_from(["1d", "1w", "12h"]))
    hour = draw(st.integers(0, 23))
    day = "mon " if every == "1w" else ""
    document = document_with(members=members, every=every, handoff=f"{day}{hour:02}:00")
    document["rotations"]["leads"] = {
        "members": ["dan", "eve"],
        "every": "1d",
        "handoff": f"{draw(st.integers(0, 23)):02}:00",
        "start": "2026-01-05",
    }
    document["rotations"]["nobody"] = {"members": []}
    document["contacts"]["sms"] = "json://127.0.0.1/sms/{sms}"
    for person, number in (("ann", "+15550000001"), ("dan", "+15550000004")):
        document["people"][person]["sms"] = number
    document["severity"]["levels"]["SEV2"]["ack_within"] = "20m"
    document["services"]["api"]["escalate_to"] = ["leads"]
    return document


def _rotation_edit(draw: st.DrawFn, document: dict[str, Any]) -> None:
    commanders = document["rotations"]["commanders"]
    members = list(commanders["members"])
    day = "mon " if commanders["every"] == "1w" else ""
    if len(members) > 1 and draw(st.booleans()):
        i, j = draw(st.permutations(range(len(members))))[:2]
        commanders["members"][i], commanders["members"][j] = members[j], members[i]
    if draw(st.booleans()):
        commanders["members"].append(
            draw(st.sampled_from([p for p in PEOPLE if p not in members] or PEOPLE[:1]))
        )
    if draw(st.booleans()):
        commanders["handoff"] = (
            f"{day}{draw(st.integers(0, 23)):02}:{draw(st.sampled_from(['00', '30']))}"
        )
    if draw(st.booleans()):  # a later first turn: nobody is on call before it (a gap)
        later = MONDAY + timedelta(weeks=draw(st.integers(0, 10)))
        commanders["start"] = later.date().isoformat()


def _policy_edit(draw: st.DrawFn, document: dict[str, Any]) -> None:
    levels = document["severity"]["levels"]
    if draw(st.booleans()):
        level = levels[draw(st.sampled_from(LEVELS))]
        level["ack_within"] = draw(st.sampled_from(["5m", "15m", "1h", None]))
        if level["ack_within"] is None:
            del level["ack_within"]
    if draw(st.booleans()):
        levels[draw(st.sampled_from(LEVELS))]["via"] = draw(
            st.sampled_from(
                [["email"], ["email", "chat"], ["chat", "email"], ["sms", "chat"], ["sms"]]
            )
        )
    if draw(st.booleans()):
        document["roles"]["commander"]["escalate_to"] = draw(
            st.sampled_from([[], ["managers"], ["leads", "managers"], ["nobody"]])
        )
    if draw(st.booleans()):
        document["services"]["api"]["escalate_to"] = draw(
            st.sampled_from([[], ["leads"], ["managers", "leads"]])
        )
    if draw(st.booleans()):
        document["escalation"] = {"repeat": draw(st.integers(0, 2))}
    if draw(st.booleans()):
        document["severity"]["matrix"]["minor"]["high"] = "SEV1"


def _overrides(draw: st.DrawFn, document: dict[str, Any]) -> None:
    if draw(st.booleans()):
        starts = MONDAY + timedelta(hours=draw(st.integers(-48, 24 * 16)))
        until = starts + timedelta(hours=draw(st.integers(1, 72)))
        document["overrides"] = [
            *document.get("overrides", []),
            {
                "rotation": draw(st.sampled_from(["commanders", "leads", "api-oncall"])),
                "person": draw(st.sampled_from(PEOPLE)),
                "from": starts.strftime("%Y-%m-%dT%H:%M"),
                "until": until.strftime("%Y-%m-%dT%H:%M"),
            },
        ]


@st.composite
def edits(draw: st.DrawFn, *, policy: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """A config and a small random edit of it (rotations, overrides and, with ``policy``,
    levels, chains and the matrix): the two documents."""
    old = _base(draw)
    new = copy.deepcopy(old)
    _rotation_edit(draw, new)
    if policy:
        _policy_edit(draw, new)
    for document in (old, new) if draw(st.booleans()) else (new,):
        _overrides(draw, document)
    return old, new
