"""What the rooms and a window's author read about a maintenance window's occurrence: its start,
its end (reached, or ended early by an edit), and the reminder that a long one still holds.

Broadcast to the incident room and the room of each service in its scope (where it has one),
as a silence's are: the people who would have been paged learn that they will not be, and when
they will be again. The window's name, reason and author come from ops' config, which is
reviewed, but they are still producer text shown in chat: escaped for a plain-text body
(:func:`~muster.worker.core.rendering.escaping.text`) and a title
(:func:`~muster.worker.core.rendering.escaping.title`).
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from muster.worker.core.config.durations import format_duration
from muster.worker.core.config.maintenance import NOTHING, PAUSE
from muster.worker.core.decisions.holds import Hold
from muster.worker.core.decisions.window_edges import Ending
from muster.worker.core.paging.rooms import Room, rooms_for
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.escaping import text, title
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.core.rendering.silence_announcements import announced_time
from muster.worker.core.rendering.silences import scope_text


def window_rooms(routing: Routing, hold: Hold) -> list[Room]:
    """The incident room, and the room of each service in the window's scope that has one."""
    return rooms_for(routing, hold.scope.services)


def started_message(hold: Hold, zone: tzinfo) -> RenderedMessage:
    """``Maintenance window db-failover holds services payments-api from … until …: reason``
    and what that means for incidents in it, and at its end."""
    by = f" (planned by {text(hold.author)})" if hold.author else ""
    existing = (
        "; escalations already under way pause until it ends"
        if hold.existing == PAUSE
        else "; incidents that paged before it keep escalating"
    )
    at_end = (
        "Those still open when it ends page nobody then either (on_end: nothing)."
        if hold.on_end == NOTHING
        else "Those still open when it ends page then."
    )
    return RenderedMessage(
        title=title(f"Maintenance window {hold.name}: pages held"),
        body=(
            f"Maintenance window {text(hold.name)}{by} holds {text(scope_text(hold.scope))}"
            f" from {announced_time(hold.starts, zone)} until {announced_time(hold.ends, zone)}:"
            f" {text(hold.reason)}\n"
            f"Incidents in this scope are recorded but page nobody{existing}. {at_end}"
        ),
        body_format="text",
    )


def ended_message(ending: Ending, zone: tzinfo) -> RenderedMessage:
    """The end: reached, or early because the config no longer has it; pages resume."""
    occurrence = ending.occurrence
    at = announced_time(ending.at, zone)
    how = (
        f"ended early at {at}: the config no longer has it holding until"
        f" {announced_time(occurrence.ends, zone)}"
        if ending.early
        else f"ended at {at}"
    )
    return RenderedMessage(
        title=title(f"Maintenance window {occurrence.name} ended: pages resume"),
        body=(
            f"Maintenance window {text(occurrence.name)} ({text(occurrence.reason)}) {how}."
            " Incidents in its scope page again."
        ),
        body_format="text",
    )


def reminder_message(hold: Hold, now: datetime, zone: tzinfo) -> RenderedMessage:
    """To the window's author: it has held a long time, and still does until its end."""
    held = format_duration(now - hold.starts)
    return RenderedMessage(
        title=title(f"Your maintenance window {hold.name} still holds pages"),
        body=(
            f"Your maintenance window {text(hold.name)} ({text(scope_text(hold.scope))}:"
            f" {text(hold.reason)}) has held pages for {held} and holds them until"
            f" {announced_time(hold.ends, zone)}. If the work is done, end it in the config"
            f" (maintenance.windows.{text(hold.name)})."
        ),
        body_format="text",
    )
