"""A signature's timestamp is believed only when finite and within [now - max_age, now + skew]."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from muster.worker.core.intake.signed_stamps import FUTURE_SKEW, Fresh, check_stamp

NOW = 1_796_000_000.0
MAX_AGE = 300.0


@given(st.text(max_size=40))
def test_any_text_is_a_fresh_stamp_or_a_reason_never_an_error(text: str) -> None:
    result = check_stamp(text, NOW, MAX_AGE)
    if isinstance(result, Fresh):
        assert math.isfinite(result.signed_at)
        assert NOW - MAX_AGE <= result.signed_at <= NOW + FUTURE_SKEW
    else:
        assert result


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_printed_any_way_is_accepted_only_inside_the_window(value: float) -> None:
    for text in (repr(value), str(value), f"{value:.3f}" if math.isfinite(value) else "nan"):
        result = check_stamp(text, NOW, MAX_AGE)
        if isinstance(result, Fresh):
            assert NOW - MAX_AGE <= result.signed_at <= NOW + FUTURE_SKEW


@given(st.integers(min_value=int(NOW - MAX_AGE), max_value=int(NOW + FUTURE_SKEW)))
def test_every_whole_second_inside_the_window_is_fresh_until_max_age_after_it(
    second: int,
) -> None:
    result = check_stamp(str(second), NOW, MAX_AGE)
    assert result == Fresh(signed_at=second, expires_at=second + MAX_AGE)
