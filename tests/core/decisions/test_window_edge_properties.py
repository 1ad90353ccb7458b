"""Which window edges a scan announces, over any schedule of scans (a model of the
``window_edges`` table: a set of claimed keys): each edge at most once, an end only after its
start, none later than the look-back; and with scans never further apart than the look-back,
every occurrence's start and end exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.decisions.window_edges import (
    ENDED,
    LOOK_BACK,
    STARTED,
    Announced,
    ending,
    starting,
)
from muster.worker.core.decisions.windows import active_windows, windows_between
from tests.harness.window_configs import config_with, recurring

FIRST = datetime(2026, 1, 4, 2, 0, tzinfo=UTC)
# Daily windows of forty minutes to five hours, in a zone with no DST change in January.
CONFIG = config_with(
    {
        "early": recurring("FREQ=DAILY", "40m"),
        "late": recurring("FREQ=DAILY", "40m", start="2026-01-04T09:20"),
        "long": recurring("FREQ=DAILY", "5h", start="2026-01-04T13:00"),
    },
    timezone="Europe/Dublin",
)

Key = tuple[str, datetime, str]


def run_scans(config: RoutingConfig, gaps: list[int]) -> dict[Key, datetime]:
    """Scan at FIRST and after each gap (seconds) as the adapter does: each edge claimed once;
    when each was announced."""
    claimed: dict[Key, datetime] = {}
    announced: dict[tuple[str, datetime], Announced] = {}
    now = FIRST
    for gap in [0, *gaps]:
        now += timedelta(seconds=gap)
        for hold in starting(active_windows(config, now), now):
            if (hold.name, hold.starts, STARTED) not in claimed:
                claimed[hold.name, hold.starts, STARTED] = now
                announced[hold.name, hold.starts] = Announced(
                    hold.name, hold.starts, hold.ends, hold.reason, ()
                )
        open_ = [
            occurrence
            for (name, starts), occurrence in announced.items()
            if (name, starts, ENDED) not in claimed and occurrence.ends > now - LOOK_BACK
        ]
        ended, moved = ending(config, open_, now)
        assert moved == []  # the config is not edited
        for end in ended:
            claimed[end.occurrence.name, end.occurrence.starts, ENDED] = now
    return claimed


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=6 * 3600), min_size=1, max_size=60))
def test_edges_are_announced_at_most_once_never_late_and_ends_after_starts(
    gaps: list[int],
) -> None:
    claimed = run_scans(CONFIG, gaps)
    for (name, starts, edge), at in claimed.items():
        if edge == STARTED:
            assert timedelta() <= at - starts < LOOK_BACK
        else:
            assert (name, starts, STARTED) in claimed
            assert claimed[name, starts, STARTED] < at


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=60, max_value=14 * 60), min_size=200, max_size=400))
def test_scans_closer_than_the_look_back_announce_every_start_and_end_once(
    gaps: list[int],
) -> None:
    claimed = run_scans(CONFIG, gaps)
    last = FIRST + timedelta(seconds=sum(gaps))
    over = [
        hold
        for hold in windows_between(CONFIG, FIRST, last)
        if hold.starts >= FIRST and hold.ends <= last
    ]
    assert over  # 200 scans a minute or more apart outlast 03:00 to 03:40
    for hold in over:
        assert (hold.name, hold.starts, STARTED) in claimed
        assert (hold.name, hold.starts, ENDED) in claimed
        assert claimed[hold.name, hold.starts, ENDED] - hold.ends < LOOK_BACK
