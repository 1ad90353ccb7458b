"""Who is paged, how and when, once an edit ships: for each severity level × service (and a
service no config names, routed to the fallback), each side's first page, and every page of each
of its chains (:mod:`.paged`) at once and at each escalation step — compared at every instant the
answer can change within the range, not a sampled grid.

The answer for a declaration at ``t`` reads a chain's rotations at ``t`` and at each step's
instant ``t + k × ack_within``, so it can change only where ``t`` or one of those instants crosses
a shift edge of either side: the range is cut at every edge less every delay. A claim is one
chain's pages at one delay (who gains, who loses) over a stretch of declaration times, so a
handoff is one claim per step, not a claim per combination of steps; a standing role's chain is
the same for every service, and is compared once.

A pair is evaluated only when the edit can reach it (:mod:`.reach`), and a chain only when its
own part differs; each side's holders are read from the final shifts already listed for the
range (:class:`.paged.Remembering`). The rest cannot differ, and skipping them keeps a large
organisation's diff quick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from muster.worker.core.checks.diff.paged import (
    AT_ONCE,
    FirstPage,
    Kinds,
    Page,
    Remembering,
    chain_delays,
    chain_pages,
    chains_of,
    first_paged,
)
from muster.worker.core.checks.diff.reach import Pair, reachable_pairs
from muster.worker.core.checks.diff.shifts import Holders
from muster.worker.core.paging.duties import final_shifts
from muster.worker.core.paging.plan import EscalationChain
from muster.worker.core.paging.routing import Routing


@dataclass(frozen=True, slots=True)
class FirstPageChange:
    """From ``starts`` until ``until``, a ``severity`` incident of ``service`` declared then
    pages ``new`` first where it paged ``old``."""

    severity: str
    service: str
    starts: datetime
    until: datetime
    old: FirstPage
    new: FirstPage


@dataclass(frozen=True, slots=True)
class PageChange:
    """A ``severity`` incident of ``service`` declared from ``starts`` until ``until`` sends, for
    ``role`` ``after`` its declaration (0: at once; else should nobody acknowledge), the pages of
    ``gained`` (who, by which kind) instead of those of ``lost``."""

    severity: str
    service: str
    role: str
    after: timedelta
    starts: datetime
    until: datetime
    lost: tuple[tuple[str, str], ...]
    gained: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class PageChanges:
    """Every first page and every page of the chains that an edit changes."""

    first: tuple[FirstPageChange, ...] = ()
    chains: tuple[PageChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.first or self.chains)


@dataclass(frozen=True, slots=True)
class _Unit:
    """One chain of one level as each side pages it (None: that side does not)."""

    level: str
    label: str
    old: EscalationChain | None
    new: EscalationChain | None


_Step = tuple[str, timedelta]
"""A role and a delay: the pages one chain sends at one step."""
_Edges = list[dict[str, set[datetime]]]


def page_changes(
    old: Routing, new: Routing, start: datetime, end: datetime, edited: frozenset[str] | None
) -> PageChanges:
    """Every stretch of ``[start, end)`` in which a level × service's first page, or the pages
    one of its chains sends at one delay, differ; ``edited``: the rotations the edit touched
    (None: all)."""
    pairs = reachable_pairs(old, new, edited)
    chains_by_pair = {
        pair: (chains_of(old, pair.level, pair.service), chains_of(new, pair.level, pair.service))
        for pair in pairs
    }
    units = {pair: _units(pair, *chains_by_pair[pair]) for pair in pairs}
    can_differ = _reach(old, new, edited)
    same_rules = _same_rules(old, new)
    delays = {
        unit: chain_delays(old, unit.level, unit.old) | chain_delays(new, unit.level, unit.new)
        for found in units.values()
        for unit in found
        if can_differ(unit)
    }
    involved = frozenset(rotation for pair in pairs for rotation in pair.rotations)
    longest = max((d for found in delays.values() for d in found), default=timedelta(0))
    listed = [_listed(side, start, end + longest, involved) for side in (old, new)]
    edges = [edged for edged, _ in listed]
    sides = (
        Kinds(Remembering.of(old, listed[0][1], start, end + longest)),
        Kinds(Remembering.of(new, listed[1][1], start, end + longest)),
    )
    claims = {
        unit: _unit_changes(
            sides,
            unit,
            _cuts(edges, _rotations(unit), steps, start, end),
            end,
            steps if same_rules(unit) else None,
        )
        for unit, steps in delays.items()
    }
    first: list[FirstPageChange] = []
    chains: list[PageChange] = []
    for pair in pairs:
        at_once = _cuts(edges, pair.rotations, {AT_ONCE}, start, end)
        first += _first_changes(sides, pair, chains_by_pair[pair], at_once, end)
        found = [
            replace(c, service=pair.service) for unit in units[pair] for c in claims.get(unit, ())
        ]
        chains += sorted(found, key=lambda c: (c.role, c.after, c.starts))
    return PageChanges(tuple(first), tuple(chains))


def _units(
    pair: Pair, was: dict[str, EscalationChain], now: dict[str, EscalationChain]
) -> list[_Unit]:
    return [
        _Unit(pair.level, label, was.get(label), now.get(label))
        for label in [*now, *(label for label in was if label not in now)]
    ]


def _reach(old: Routing, new: Routing, edited: frozenset[str] | None) -> Callable[[_Unit], bool]:
    """Whether the edit can change what a unit's chain pages: the chain, its level, the
    escalation policy, people or contacts differ, or one of its rotations was edited (each
    section compared once: a large organisation has ten thousand people)."""
    a, b = old.config, new.config
    if edited is None or (a.escalation, a.people, a.contacts) != (
        b.escalation,
        b.people,
        b.contacts,
    ):
        return lambda unit: True
    levels = {
        name for name, level in a.severity.levels.items() if level != b.severity.levels.get(name)
    }
    return lambda unit: (
        unit.old != unit.new or unit.level in levels or bool(_rotations(unit) & edited)
    )


def _same_rules(old: Routing, new: Routing) -> Callable[[_Unit], bool]:
    """Whether only holders can make a unit's pages differ: its chain, its level, the escalation
    policy, people and contacts are the same on both sides."""
    a, b = old.config, new.config
    if (a.escalation, a.people, a.contacts) != (b.escalation, b.people, b.contacts):
        return lambda unit: False
    levels = {
        name for name, level in a.severity.levels.items() if level != b.severity.levels.get(name)
    }
    return lambda unit: unit.old == unit.new and unit.level not in levels


def _rotations(unit: _Unit) -> set[str]:
    return {r for chain in (unit.old, unit.new) if chain is not None for r in chain.rotations}


def _cuts(
    edges: _Edges, rotations: Iterable[str], delays: set[timedelta], start: datetime, end: datetime
) -> list[datetime]:
    """``start`` and every instant in ``(start, end)`` at which a declaration's pages can
    change: each edge of ``rotations`` on either side, less each delay."""
    found = {e for side in edges for r in rotations for e in side.get(r, ())}
    return sorted({start} | {e - d for e in found for d in delays if start < e - d < end})


def _first_changes(
    sides: tuple[Kinds, Kinds],
    pair: Pair,
    chains: tuple[dict[str, EscalationChain], dict[str, EscalationChain]],
    cuts: list[datetime],
    end: datetime,
) -> list[FirstPageChange]:
    changes: list[FirstPageChange] = []
    for at, until in zip(cuts, [*cuts[1:], end], strict=True):
        was = first_paged(sides[0], pair.level, chains[0].values(), at)
        now = first_paged(sides[1], pair.level, chains[1].values(), at)
        if was == now:
            continue
        if changes and changes[-1].until == at and (changes[-1].old, changes[-1].new) == (was, now):
            changes[-1] = replace(changes[-1], until=until)
        else:
            changes.append(FirstPageChange(pair.level, pair.service, at, until, was, now))
    return changes


def _unit_changes(
    sides: tuple[Kinds, Kinds],
    unit: _Unit,
    cuts: list[datetime],
    end: datetime,
    holders_at: set[timedelta] | None,
) -> list[PageChange]:
    """One chain's claims, step by step (the service left for the caller to fill in).
    ``holders_at``: when only holders can make the sides differ, the delays they are read at —
    a cut where every rotation of the chain has the same holder on both sides at each of them
    pages alike, and is not worked out."""
    open_steps: dict[_Step, PageChange] = {}
    closed: list[PageChange] = []
    old, new = sides[0].routing, sides[1].routing
    rotations = sorted(_rotations(unit))
    for at, until in zip(cuts, [*cuts[1:], end], strict=True):
        if holders_at is not None and _alike(old, new, rotations, [at + d for d in holders_at]):
            continue
        was = chain_pages(sides[0], unit.level, unit.old, at)
        now = chain_pages(sides[1], unit.level, unit.new, at)
        if was == now:
            continue
        for step, (lost, gained) in _step_differences(was, now).items():
            change = PageChange(unit.level, "", *step, at, until, lost, gained)
            last = open_steps.get(step)
            if last is not None and last == replace(change, starts=last.starts, until=at):
                open_steps[step] = replace(last, until=until)
            else:
                if last is not None:
                    closed.append(last)
                open_steps[step] = change
    return [*closed, *open_steps.values()]


def _alike(old: Routing, new: Routing, rotations: list[str], instants: list[datetime]) -> bool:
    for rotation in rotations:
        for moment in instants:
            if old.on_call(rotation, moment) != new.on_call(rotation, moment):
                return False
    return True


def _step_differences(
    was: frozenset[Page], now: frozenset[Page]
) -> dict[_Step, tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]]:
    """The pages lost and gained, by role and delay."""
    found: dict[_Step, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {}
    for pages, index in ((was - now, 0), (now - was, 1)):
        for page in sorted(pages):
            step = found.setdefault((page.role, page.after), ([], []))
            step[index].append((page.person, page.kind))
    return {step: (tuple(lost), tuple(gained)) for step, (lost, gained) in found.items()}


def _listed(
    routing: Routing, start: datetime, end: datetime, involved: frozenset[str]
) -> tuple[dict[str, set[datetime]], dict[str, Holders]]:
    """Each involved rotation's shift edges inside ``(start, end)``, and its holders over
    ``[start, end)``."""
    edges: dict[str, set[datetime]] = {}
    holders: dict[str, Holders] = {}
    for duty in final_shifts(routing, start, end, rotations=involved):
        holders[duty.rotation] = Holders(duty.shifts)
        edges[duty.rotation] = {
            edge
            for shift in duty.shifts
            for edge in (shift.starts, shift.until)
            if edge is not None and start < edge < end
        }
    return edges, holders
