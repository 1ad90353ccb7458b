"""``muster config diff``'s claims are exactly the differences of the two sides, nothing missing
and nothing extra (as Alertmanager's acceptance tests fail on a missing and on an extra
notification): over random small edits to rotations, overrides, levels, chains and the matrix
(:func:`tests.harness.config_edits.edits`), at many instants — a grid, random ones, each claim's
edges and each side's shift edges less each escalation delay — the holders, first pages and
every page by role and delay that the routing engine gives each side differ where, and only
where, the diff says, as it says."""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.checks.diff.changes import ConfigDiff, config_diff
from muster.worker.core.paging.duties import final_shifts
from muster.worker.core.paging.routing import Routing
from tests.harness.config_edits import (
    LEVELS,
    MONDAY,
    SERVICES,
    edits,
    engine_first,
    engine_pages,
    routing_of,
)
from tests.harness.rotation_shapes import PROPERTY, TICK

WEEK = timedelta(days=7)
STEPS = 8  # more escalation steps than any generated chain takes
CROSSINGS = 60  # of the instants where an escalation step crosses a shift edge, checked each run


@PROPERTY
@given(pair=edits(policy=False), offset=st.integers(0, 24 * 3600 * 60))
def test_shift_claims_are_exactly_the_differences_of_the_holders(
    pair: tuple[dict[str, Any], dict[str, Any]], offset: int
) -> None:
    old, new = routing_of(pair[0]), routing_of(pair[1])
    start = MONDAY + timedelta(seconds=offset)
    diff = config_diff(old, new, start, WEEK)
    instants = {start + timedelta(minutes=30 * n) for n in range(7 * 48)}
    for change in diff.shifts:
        instants |= {change.starts, change.until - TICK, change.starts - TICK, change.until}
    for moment in (m for m in instants if start <= m < start + WEEK):
        for rotation in ("commanders", "leads", "api-oncall"):
            was, now = old.on_call(rotation, moment), new.on_call(rotation, moment)
            claimed = {
                (c.person, c.gained)
                for c in diff.shifts
                if c.rotation == rotation and c.starts <= moment < c.until
            }
            assert claimed == (set() if was == now else {(was, False), (now, True)}), moment


@PROPERTY
@given(
    pair=edits(),
    offset=st.integers(0, 24 * 3600 * 60),
    extra=st.lists(st.integers(0, 7 * 24 * 3600 - 1), max_size=10),
    rng=st.randoms(use_true_random=False),
)
def test_page_claims_are_exactly_the_differences_of_the_engines_pages(
    pair: tuple[dict[str, Any], dict[str, Any]], offset: int, extra: list[int], rng: Random
) -> None:
    old, new = routing_of(pair[0]), routing_of(pair[1])
    start = MONDAY + timedelta(seconds=offset)
    diff = config_diff(old, new, start, WEEK)
    instants = {start + timedelta(hours=3 * n) for n in range(7 * 8)}
    instants |= {start + timedelta(seconds=seconds) for seconds in extra}
    crossings = sorted(_edges_less_delays(old, new, start))
    instants |= set(rng.sample(crossings, min(len(crossings), CROSSINGS)))
    for starts, until in [(c.starts, c.until) for c in diff.pages.first] + [
        (c.starts, c.until) for c in diff.pages.chains
    ]:
        instants |= {starts, until - TICK, starts - TICK, until}
    for moment in (m for m in instants if start <= m < start + WEEK):
        for level in LEVELS:
            for service in SERVICES:
                _check_first(diff, old, new, level, service, moment)
                _check_chains(diff, old, new, level, service, moment)


def _check_first(
    diff: ConfigDiff, old: Routing, new: Routing, level: str, service: str, moment: datetime
) -> None:
    was, now = engine_first(old, level, service, moment), engine_first(new, level, service, moment)
    claimed = {
        (c.old, c.new)
        for c in diff.pages.first
        if (c.severity, c.service) == (level, service) and c.starts <= moment < c.until
    }
    assert claimed == (set() if was == now else {(was, now)}), (level, service, moment)


def _check_chains(
    diff: ConfigDiff, old: Routing, new: Routing, level: str, service: str, moment: datetime
) -> None:
    was, now = engine_pages(old, level, service, moment), engine_pages(new, level, service, moment)
    expected = {
        (role, after, tuple(sorted(lost)), tuple(sorted(gained)))
        for role, after in {*was, *now}
        for lost, gained in [
            (
                was.get((role, after), set()) - now.get((role, after), set()),
                now.get((role, after), set()) - was.get((role, after), set()),
            )
        ]
        if lost or gained
    }
    claimed = [
        (c.role, c.after, c.lost, c.gained)
        for c in diff.pages.chains
        if (c.severity, c.service) == (level, service) and c.starts <= moment < c.until
    ]
    assert len(claimed) == len(set(claimed)), (level, service, moment)
    assert set(claimed) == expected, (level, service, moment)


def _edges_less_delays(old: Routing, new: Routing, start: datetime) -> set[datetime]:
    """Each side's shift edges less every delay any generated level escalates at, and a tick
    before each: where a declaration's pages can first differ."""
    delays = {
        step * level.ack_within
        for side in (old, new)
        for level in side.config.severity.levels.values()
        if level.ack_within is not None
        for step in range(STEPS)
    } | {timedelta(0)}
    edges = {
        edge
        for side in (old, new)
        for duty in final_shifts(side, start, start + WEEK + STEPS * timedelta(hours=1))
        for shift in duty.shifts
        for edge in (shift.starts, shift.until)
        if edge is not None
    }
    return {edge - delay - tick for edge in edges for delay in delays for tick in (TICK, TICK * 0)}
