"""How many lines a room hears about a hold's incidents: a few, one by one; beyond, one.

A maintenance window that holds a storm must not turn the rooms into the flood it keeps from
the pagers. While a hold holds declarations, a room hears of the first
:data:`ROOM_LINES_AT_MOST` one line each, the next one's line says that the rest will be told
together, and then nothing until the end; at the end, a room told of more than
:data:`ROOM_LINES_AT_MOST` releases of one hold at once hears one line listing them
(:func:`folded_rooms`). Each incident's timeline records its own hold and release throughout.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

ROOM_LINES_AT_MOST = 3
"""Incidents of one hold a room hears of one line each, at a time."""

HeldLine = Literal["line", "last", "none"]
LINE: HeldLine = "line"
LAST: HeldLine = "last"
NONE: HeldLine = "none"


def held_line(told_before: int) -> HeldLine:
    """What a room hears of one more declaration a hold keeps from paging, having heard of
    ``told_before`` of the hold's declarations it still holds: its own line; its line saying
    the rest are told together when the hold ends (``last``); or nothing."""
    if told_before < ROOM_LINES_AT_MOST:
        return LINE
    return LAST if told_before == ROOM_LINES_AT_MOST else NONE


def folded_rooms(lines: Iterable[tuple[str, str, str]]) -> set[tuple[str, str]]:
    """The (room, hold) pairs told in one line: those with more than :data:`ROOM_LINES_AT_MOST`
    incidents among ``lines`` (each an incident id, the room told and the releasing hold)."""
    incidents: dict[tuple[str, str], set[str]] = {}
    for incident_id, room, hold in lines:
        incidents.setdefault((room, hold), set()).add(incident_id)
    return {pair for pair, ids in incidents.items() if len(ids) > ROOM_LINES_AT_MOST}
