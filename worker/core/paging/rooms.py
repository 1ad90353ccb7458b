"""Where broadcasts go: one answer for the worker that sends them and the dry run that shows them.

A declaration's or milestone's broadcast reaches the incident room and the room of each impacted
service that has one (the fallback service's for unknown services). Summaries go to
``summaries`` and their customer-safe version to ``stakeholders``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from muster.worker.core.paging.plan import PagePlan
from muster.worker.core.paging.routing import Routing

SERVICE_ROOM = "room:"


@dataclass(frozen=True, slots=True)
class Room:
    """A broadcast destination: its stored name, how people call it, and its Apprise URL."""

    name: str  # ``incident_room`` or ``room:SERVICE``: what a delivery row records
    label: str  # ``incident_room`` or ``SERVICE room``
    url: str


def incident_rooms(routing: Routing, plan: PagePlan) -> list[Room]:
    """The rooms a declaration or milestone of ``plan``'s incident goes to, in order, once each."""
    return rooms_for(routing, [route.handled_by for route in plan.services])


def rooms_for(routing: Routing, services: Iterable[str | None]) -> list[Room]:
    """The incident room and the room of each of ``services`` that has one (a service the
    config lacks has none), in order, once each."""
    config = routing.config
    rooms: dict[str, Room] = {}
    if config.broadcasts.incident_room:
        rooms["incident_room"] = Room(
            "incident_room", "incident_room", config.broadcasts.incident_room
        )
    for service in services:
        known = config.services.get(service) if service is not None else None
        room = known.room if known is not None else None
        if service is not None and room:
            name = SERVICE_ROOM + service
            rooms.setdefault(name, Room(name, f"{service} room", room))
    return list(rooms.values())


def room_url(routing: Routing, name: str) -> str | None:
    """The Apprise URL of a stored destination name, if the config still has it."""
    config = routing.config
    if name.startswith(SERVICE_ROOM):
        service = config.services.get(name.removeprefix(SERVICE_ROOM))
        return service.room if service else None
    url: str | None = getattr(config.broadcasts, name, None)
    return url
