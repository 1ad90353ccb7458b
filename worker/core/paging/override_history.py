"""Overrides pruned from the overrides file, kept so that pruning changes nothing about the past.

``muster override prune`` removes ended overrides from the file and keeps each in the database
(issue 23: "kept in the timeline of who held what"). Whatever shows past shifts (``muster
oncall --until``, the calendar export and feeds, ``/v1/oncall``) adds them back with
:func:`with_history`, so the final shifts over a past range are the same before and after a
prune.

Where two overrides of a rotation overlap, the one listed later wins. The kept ones are added
back after everything the config holds, which is exactly right only if no override still in the
file overlaps one pruned: so :func:`prunable` keeps an ended override in the file while an
overlapping one of its rotation has not ended, and the two are pruned together (in file order,
which the history keeps) once both have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from muster.worker.core.config.model import Override
from muster.worker.core.paging.routing import Routing

DEFAULT_ENDED_BEFORE = timedelta(days=30)
"""How long an ended override stays in the file by default: a month of recent cover stays
reviewable beside the config (last month's swaps, payroll's questions) before it moves to the
history."""


@dataclass(frozen=True, slots=True)
class Cover:
    """An override as pruning judges it: ``rotation`` held from ``starts`` until ``until``
    (aware UTC)."""

    rotation: str
    starts: datetime
    until: datetime


def prunable(covers: Sequence[Cover], cut: datetime) -> list[int]:
    """The positions in ``covers`` (the file's order) to prune at ``cut``: those ended at or
    before it and overlapping no cover of their rotation that is kept."""
    pruned = {index for index, cover in enumerate(covers) if cover.until <= cut}
    changed = True
    while changed:
        changed = False
        for index in sorted(pruned):
            cover = covers[index]
            if any(
                other.rotation == cover.rotation
                and other.starts < cover.until
                and cover.starts < other.until
                for position, other in enumerate(covers)
                if position not in pruned
            ):
                pruned.discard(index)
                changed = True
    return sorted(pruned)


def with_history(routing: Routing, past: Sequence[Override]) -> Routing:
    """``routing`` with the pruned overrides ``past`` (in the order they were pruned) added
    back after its own; one naming a rotation or person the config no longer has is left out
    (nobody can be shown holding a rotation that is gone)."""
    config = routing.config
    known = [o for o in past if o.rotation in config.rotations and o.person in config.people]
    if not known:
        return routing
    merged = config.model_copy(update={"overrides": [*config.overrides, *known]})
    return Routing.from_config(merged, routing.secrets)
