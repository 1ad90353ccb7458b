"""The reply guard's bounds hold whatever the timing of the guesses."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.intake.reply_guard import (
    LOCKOUT,
    OVERALL_PER_MINUTE,
    WINDOW,
    WRONG_CODES,
    ReplyGuard,
)
from tests.harness.configs import WEDNESDAY_NOON

GAPS = st.lists(st.integers(min_value=0, max_value=30 * 60), min_size=1, max_size=200)


@given(GAPS)
def test_no_window_sees_more_wrong_codes_checked_than_the_limit(gaps: list[int]) -> None:
    """However a guesser spaces its guesses, at most WRONG_CODES of them in any WINDOW are
    checked at all (the rest meet the lockout)."""
    guard, now, checked = ReplyGuard(), WEDNESDAY_NOON, []
    for gap in gaps:
        now += timedelta(seconds=gap)
        if guard.locked_until("ann", now) is None:
            checked.append(now)
            guard.wrong_code("ann", now)
    for start in checked:
        assert sum(start <= t < start + WINDOW for t in checked) <= WRONG_CODES


def test_the_lockout_starts_at_the_limit_and_lasts_its_time() -> None:
    guard, now = ReplyGuard(), WEDNESDAY_NOON
    assert not any(guard.wrong_code("ann", now) for _ in range(WRONG_CODES - 1))
    assert guard.wrong_code("ann", now)
    assert guard.locked_until("ann", now + LOCKOUT - timedelta(seconds=1)) == now + LOCKOUT
    assert guard.locked_until("ann", now + LOCKOUT) is None
    assert guard.locked_until("ben", now) is None


@given(GAPS)
def test_the_overall_count_never_grows_past_its_cap(gaps: list[int]) -> None:
    guard, now = ReplyGuard(), WEDNESDAY_NOON
    for gap in gaps:
        now += timedelta(milliseconds=gap)
        guard.refuse(now)
        assert len(guard.refused) <= OVERALL_PER_MINUTE
    assert guard.overall_full(now) == (len(guard.refused) >= OVERALL_PER_MINUTE)
