"""What the rooms and a silence's author read about it: its creation, its end (reached or
expired early), and the reminder that a long silence still holds.

Broadcast to the incident room and the room of each service in its scope (where it has one):
the people who would have been paged learn that they will not be, and when they will be again.
Author, reason and label values are whoever added the silence's words: escaped for a plain-text
body (:func:`~muster.worker.core.rendering.escaping.text`) and a title
(:func:`~muster.worker.core.rendering.escaping.title`), as every producer string is.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Literal

from muster.worker.core.config.durations import format_duration
from muster.worker.core.decisions.silences import EXPIRED, Silence
from muster.worker.core.paging.rooms import Room, rooms_for
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.escaping import text, title
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.core.rendering.silences import scope_text

Event = Literal["created", "ended", "reminder"]
CREATED: Event = "created"
ENDED: Event = "ended"
REMINDER: Event = "reminder"


def silence_rooms(routing: Routing, silence: Silence) -> list[Room]:
    """The incident room, and the room of each service in the silence's scope that has one."""
    return rooms_for(routing, silence.scope.services)


def created_message(silence: Silence, zone: tzinfo) -> RenderedMessage:
    """``alice silenced services search from … until …: reindex`` and what that means."""
    return RenderedMessage(
        title=title(f"Silence {silence.id} by {silence.author}: pages held"),
        body=(
            f"{text(silence.author)} silenced {text(scope_text(silence.scope))}"
            f" from {announced_time(silence.starts, zone)}"
            f" until {announced_time(silence.ends, zone)}:"
            f" {text(silence.reason)} (silence {silence.id})\n"
            "Incidents in this scope are recorded but page nobody; those still open when it"
            f" ends page then. End it early: muster silence expire {silence.id}"
        ),
        body_format="text",
    )


def ended_message(silence: Silence, zone: tzinfo) -> RenderedMessage:
    """The end: reached, or expired early (and by whom); what it held pages again."""
    end = announced_time(silence.effective_end, zone)
    if silence.state(silence.effective_end) == EXPIRED:
        how = f"was expired at {end} by {text(silence.expired_by or 'someone')}"
    else:
        how = f"ended at {end}"
    return RenderedMessage(
        title=title(f"Silence {silence.id} ended: pages resume"),
        body=(
            f"Silence {silence.id} ({text(scope_text(silence.scope))}, by"
            f" {text(silence.author)}: {text(silence.reason)}) {how}. Incidents in its scope"
            " page again."
        ),
        body_format="text",
    )


def reminder_message(silence: Silence, now: datetime, zone: tzinfo) -> RenderedMessage:
    """To its author: it has held a long time, and still does until its end."""
    held = format_duration(now - silence.starts)
    return RenderedMessage(
        title=title(f"Your silence {silence.id} still holds pages"),
        body=(
            f"Your silence {silence.id} ({text(scope_text(silence.scope))}:"
            f" {text(silence.reason)}) has held pages for {held} and holds them until"
            f" {announced_time(silence.ends, zone)}. If the work is done: muster silence expire"
            f" {silence.id}"
        ),
        body_format="text",
    )


def announced_time(moment: datetime, zone: tzinfo) -> str:
    """``Wed 2026-11-25 12:00 Europe/Dublin``: an announcement's instant, read where it holds."""
    local = moment.astimezone(zone)
    return f"{local:%a %Y-%m-%d %H:%M} {getattr(zone, 'key', '')}".rstrip()
