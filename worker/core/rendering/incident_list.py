"""What is open: each incident with its severity, services, state, age, who was paged, who
acknowledged, and what happens next (the next escalation step and when, pages held in a storm),
as data (``muster incidents --format json``, ``GET /v1/incidents``) and as text.

Titles and services are what producers wrote: the text makes each one line of visible
characters (no terminal escape sequence acts on the reader); JSON carries them as they are, for
the reader's own escaping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from muster.worker.core.config.durations import format_duration
from muster.worker.core.decisions.timer_state import ChainState
from muster.worker.core.paging.escalation import escalate, total_steps
from muster.worker.core.paging.routing import Routing, RoutingError
from muster.worker.core.rendering.escaping import one_line
from muster.worker.core.rendering.listing import role_title
from muster.worker.core.rendering.oncall import iso


@dataclass(frozen=True, slots=True)
class NextStep:
    """An escalation chain's next step: its role label, when it is due, and (when the config
    still knows the severity) the rotation it pages and who holds it then (None: a gap)."""

    label: str
    due_at: datetime
    rotation: str | None = None
    person: str | None = None
    again: bool = False  # the chain paging its levels again (``escalation.repeat``)


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """One incident as the listing shows it; ``paged`` and ``acknowledged``: person and when
    (first page, first acknowledgement), in that order; ``held``: people with pages held (the
    storm limits); ``held_by``: what a maintenance window (or silence) holding it says."""

    id: str
    title: str
    severity: str
    services: tuple[str, ...]
    state: str
    declared_at: datetime
    resolved_at: datetime | None
    paged: tuple[tuple[str, datetime], ...]
    acknowledged: tuple[tuple[str, datetime], ...]
    held: tuple[str, ...]
    next_steps: tuple[NextStep, ...]
    held_by: str | None = None  # "held by window X: reason" while a hold keeps it unpaged


def next_step(routing: Routing, severity: str, chain: dict[str, Any], due_at: datetime) -> NextStep:
    """What a pending escalation timer (its stored ``chain``) pages when it fires at
    ``due_at``, as far as the served config can say: what :func:`escalate` decides then, so an
    empty next level names the staffed one paged in its place."""
    state = ChainState.from_data(chain)
    try:
        ack_within = routing.level(severity).level.ack_within
    except RoutingError:
        ack_within = None
    progress = state.progress
    if ack_within is None or progress.steps_taken >= total_steps(
        progress, routing.config.escalation.repeat
    ):
        return NextStep(state.label, due_at)
    if any(rotation not in routing.rotations for rotation in progress.rotations):
        return NextStep(state.label, due_at)
    decision = escalate(routing, progress, ack_within, routing.config.escalation.repeat, due_at)
    step = decision.steps[-1]  # the staffed level, or the last gap when none is
    return NextStep(state.label, due_at, step.rotation, step.person, step.round > 0)


def incidents_data(
    routing: Routing, incidents: list[OpenIncident], now: datetime
) -> dict[str, Any]:
    """The listing as JSON-ready data: instants ISO 8601 UTC, ages in seconds."""
    people = routing.config.people

    def who(person: str, at: datetime) -> dict[str, Any]:
        name = people[person].name if person in people else None
        return {"person": person, "name": name, "at": iso(at)}

    return {
        "now": iso(now),
        "incidents": [
            {
                "id": incident.id,
                "title": incident.title,
                "severity": incident.severity,
                "services": list(incident.services),
                "state": incident.state,
                "declared_at": iso(incident.declared_at),
                "resolved_at": iso(incident.resolved_at),
                "age_seconds": int((now - incident.declared_at).total_seconds()),
                "paged": [who(person, at) for person, at in incident.paged],
                "acknowledged": [who(person, at) for person, at in incident.acknowledged],
                "held_pages_for": list(incident.held),
                "held_by": incident.held_by,
                "next_escalations": [
                    {
                        "role": step.label,
                        "due_at": iso(step.due_at),
                        "rotation": step.rotation,
                        "person": step.person,
                        "name": people[step.person].name if step.person in people else None,
                        "again": step.again,
                    }
                    for step in incident.next_steps
                ],
            }
            for incident in incidents
        ],
    }


def incidents_text(data: dict[str, Any], zone: tzinfo) -> str:
    """The listing for a person at a terminal: a header line an incident, then who and what next."""
    now = datetime.fromisoformat(data["now"])
    if not data["incidents"]:
        return "no incident matches"
    blocks = []
    for incident in data["incidents"]:
        age = format_duration(timedelta(minutes=max(incident["age_seconds"], 0) // 60))
        services = ", ".join(one_line(service) for service in incident["services"])
        lines = [
            f"{one_line(incident['id'])}  {one_line(incident['severity'])}"
            f"  {one_line(incident['state'])}  {age if age != '0s' else '0m'} old  {services}",
            f"  {one_line(incident['title'], 120)}",
        ]
        acked = {entry["person"] for entry in incident["acknowledged"]}
        paged = [
            _name(entry) + (" (acknowledged)" if entry["person"] in acked else "")
            for entry in incident["paged"]
        ]
        lines.append(f"  paged: {', '.join(paged) or 'nobody'}")
        if incident.get("held_by"):
            lines.append(f"  {one_line(incident['held_by'], 200)}")
        if incident["held_pages_for"]:
            held = ", ".join(one_line(person) for person in incident["held_pages_for"])
            lines.append(f"  pages held (storm limits) for: {held}")
        for step in incident["next_escalations"]:
            due = datetime.fromisoformat(step["due_at"])
            when = "due now" if due <= now else f"in {format_duration(_minutes(due - now))}"
            who = ""
            if step["rotation"]:
                again = " (again)" if step["again"] else ""
                holder = _name(step) if step["person"] else "NOBODY on call"
                who = f" -> {step['rotation']}{again}: {holder}"
            local = due.astimezone(zone)
            clock = (
                f"{local:%H:%M}"
                if local.date() == now.astimezone(zone).date()
                else f"{local:%Y-%m-%d %H:%M}"
            )
            lines.append(
                f"  next: {role_title(one_line(step['role']))} escalates {clock} ({when}){who}"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _name(entry: dict[str, Any]) -> str:
    person = one_line(entry["person"])
    return f"{one_line(entry['name'])} ({person})" if entry["name"] else person


def _minutes(span: timedelta) -> timedelta:
    """A span rounded up to whole minutes, at least one."""
    return timedelta(minutes=max(1, -(-int(span.total_seconds()) // 60)))
