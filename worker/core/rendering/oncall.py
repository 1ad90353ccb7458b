"""Who is on call, as data (``muster oncall --format json`` and ``GET /v1/oncall`` answer the
same) and as text for a terminal.

The data is the contract scripts and dashboards rely on: each rotation with the roles and
services it is held for, and its final shifts with ISO 8601 UTC instants (null: unchanged as far
as muster looks). The text shows the same in the config's timezone, one line a shift.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from muster.worker.core.paging.duties import Duty
from muster.worker.core.paging.routing import Routing
from muster.worker.core.paging.shifts import Shift
from muster.worker.core.rendering.escaping import one_line
from muster.worker.core.rendering.listing import role_title

_WHEN = "%a %Y-%m-%d %H:%M"


def iso(moment: datetime | None) -> str | None:
    """An instant as ISO 8601 UTC with ``Z``; None stays None."""
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def shift_data(routing: Routing, shift: Shift) -> dict[str, Any]:
    """One shift as JSON-ready data: who (null in a gap), their name, from and until."""
    people = routing.config.people
    return {
        "person": shift.person,
        "name": people[shift.person].name if shift.person in people else None,
        "from": iso(shift.starts),
        "until": iso(shift.until),
        "override": shift.override,
        "gap": shift.person is None,
    }


def oncall_data(
    routing: Routing, duties: tuple[Duty, ...], at: datetime, until: datetime | None
) -> dict[str, Any]:
    """The listing as JSON-ready data: the instant (and end) asked about, then each rotation."""
    return {
        "at": iso(at),
        "until": iso(until),
        "timezone": routing.config.timezone,
        "rotations": [
            {
                "rotation": duty.rotation,
                "roles": list(duty.roles),
                "services": list(duty.services),
                "shifts": [shift_data(routing, shift) for shift in duty.shifts],
            }
            for duty in duties
        ],
    }


def held_for(roles: list[str], services: list[str]) -> str:
    """What a rotation is held for, in people's words: ``Commander; SME api, search`` (a
    rotation with neither is paged only as a later escalation step)."""
    parts = [role_title(role) for role in roles]
    if services:
        parts.append("SME " + ", ".join(services))
    return "; ".join(parts) or "escalations only"


def oncall_text(data: dict[str, Any], zone: tzinfo) -> str:
    """The listing for a person at a terminal, times in the config's timezone."""
    at = datetime.fromisoformat(data["at"])
    if data["until"] is None:
        span = f"on call at {_local(at, zone)}"
    else:
        span = f"shifts from {_local(at, zone)} until {_local(iso_instant(data['until']), zone)}"
    lines = [f"{span} ({data['timezone']})"]
    for rotation in data["rotations"]:
        lines += [
            "",
            f"{rotation['rotation']}: {held_for(rotation['roles'], rotation['services'])}",
        ]
        who = [_who(shift) for shift in rotation["shifts"]]
        width = max(map(len, who), default=0)
        for index, shift in enumerate(rotation["shifts"]):
            label = ("now " if _holds(shift, at) else "next") if data["until"] is None else "    "
            lines.append(f"  {label}  {who[index].ljust(width)}  {_span(shift, zone)}")
    if not data["rotations"]:
        lines.append("nothing matches")
    return "\n".join(lines)


def iso_instant(text: str) -> datetime:
    """An instant the data holds (ISO 8601, ``Z``) as an aware datetime."""
    return datetime.fromisoformat(text)


def _holds(shift: dict[str, Any], at: datetime) -> bool:
    since, until = shift["from"], shift["until"]
    return (since is None or iso_instant(since) <= at) and (
        until is None or at < iso_instant(until)
    )


def _who(shift: dict[str, Any]) -> str:
    if shift["gap"]:
        return "NOBODY (a gap)"
    who = f"{one_line(shift['name'] or shift['person'])} ({one_line(shift['person'])})"
    return f"{who} by override" if shift["override"] else who


def _span(shift: dict[str, Any], zone: tzinfo) -> str:
    since, until = shift["from"], shift["until"]
    if since is None and until is None:
        return "always"
    begins = "" if since is None else f"from {_local(iso_instant(since), zone)} "
    ends = "on" if until is None else f"until {_local(iso_instant(until), zone)}"
    return begins + ends


def _local(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime(_WHEN)
