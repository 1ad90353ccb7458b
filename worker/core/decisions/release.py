"""What the end of a hold does to what it held, decided from stored state and an instant.

A held incident is not released at a time computed when it was held: at every scan the holds
active *now* are gathered afresh and each unreleased incident asks :func:`release` whether any
still covers it. A window reaching its end, a window edited away, a silence expired early: all
three are "nothing covers it any more", handled by the same rule.

- A declaration held at its instant (``declaration``), once uncovered: pages as a fresh
  declaration would (``paged``), or, with ``on_end: nothing``, stays unpaged (``nothing``).
- An incident whose escalations a window paused (``paused``, from ``existing: pause``), once no
  pausing hold covers it: its escalations resume with the time they had left (``resumed``).
- An incident resolved while held is released at once and pages nobody (``resolved``): its
  resolution went out as every resolution does, to the rooms and whoever was paged.

Several incidents released together page each person once per contact kind: :func:`folded`
names the person × kind pairs whose pages go into one digest (the storm digests). The rooms
fold too (:mod:`muster.worker.core.decisions.room_lines`): the end of a window that held a
storm is one line in a room, listing what pages now, not a line per incident.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from muster.worker.core.config.maintenance import PAGE, PAUSE, OnEnd
from muster.worker.core.decisions.holds import Hold

HeldMode = Literal["declaration", "paused"]
DECLARATION: HeldMode = "declaration"
PAUSED: HeldMode = "paused"

Released = Literal["paged", "nothing", "resumed", "resolved"]
PAGED: Released = "paged"
NOTHING: Released = "nothing"
RESUMED: Released = "resumed"
RESOLVED: Released = "resolved"


def covering(mode: HeldMode, holds: Iterable[Hold]) -> tuple[Hold, ...]:
    """Of the holds covering an incident now, those that keep it held in ``mode``: any for a
    held declaration, only the pausing ones (``existing: pause``) for paused escalations."""
    return tuple(hold for hold in holds if mode == DECLARATION or hold.existing == PAUSE)


def release(mode: HeldMode, on_end: OnEnd, open_: bool, still: tuple[Hold, ...]) -> Released | None:
    """What releasing a held incident does now (None: it stays held).

    ``open_``: the incident is not resolved; ``still``: the holds covering it now, already
    narrowed by :func:`covering`.
    """
    if not open_:
        return RESOLVED
    if still:
        return None
    if mode == PAUSED:
        return RESUMED
    return PAGED if on_end == PAGE else NOTHING


def folded(pages: Iterable[tuple[str, str, str]]) -> set[tuple[str, str]]:
    """The (person, kind) pairs that get one digest rather than pages: those with pages for
    more than one incident among ``pages`` (each an incident id, person and kind)."""
    incidents: dict[tuple[str, str], set[str]] = {}
    for incident_id, person, kind in pages:
        incidents.setdefault((person, kind), set()).add(incident_id)
    return {pair for pair, ids in incidents.items() if len(ids) > 1}


def remaining(due_at: datetime, now: datetime) -> timedelta:
    """How long a paused timer had left (none if it was due already)."""
    return max(due_at - now, timedelta())
