"""Retrying one target: how often, how long apart, and when to give up (no real sleeping)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.channels.http_answers import retry_after_seconds
from muster.channels.retry import RetryPolicy, send_with_retry
from muster.channels.sender import SendResult
from muster.worker.core.rendering.render import RenderedMessage
from tests.harness.configs import WEDNESDAY_NOON

OK = SendResult(ok=True)
TRANSIENT = SendResult(ok=False, retryable=True, error="http-503: busy")
PERMANENT = SendResult(ok=False, retryable=False, error="http-400: bad")
MESSAGE = RenderedMessage(title="t", body="b", body_format="text")


class Script:
    """A sender answering from a list, and a sleep that only records."""

    def __init__(self, *answers: SendResult) -> None:
        self.answers = list(answers)
        self.sends = 0
        self.sleeps: list[float] = []

    def __call__(self, url: str, message: RenderedMessage) -> SendResult:
        self.sends += 1
        return self.answers.pop(0) if self.answers else self.answers_exhausted()

    def answers_exhausted(self) -> SendResult:
        raise AssertionError("sent more often than scripted")

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def clock(self) -> float:
        """A monotonic clock that only the sleeps move."""
        return sum(self.sleeps)


def run(script: Script, policy: RetryPolicy) -> SendResult:
    return send_with_retry(script, "json://127.0.0.1/x", MESSAGE, policy, sleep=script.sleep)


def test_a_send_that_succeeds_at_once_never_waits() -> None:
    script = Script(OK)
    assert run(script, RetryPolicy()) == OK
    assert (script.sends, script.sleeps) == (1, [])


def test_a_permanent_failure_is_not_retried() -> None:
    script = Script(PERMANENT)
    assert run(script, RetryPolicy()) == PERMANENT
    assert script.sends == 1


def test_500_twice_then_200_sends_three_times_with_growing_waits() -> None:
    script = Script(TRANSIENT, TRANSIENT, OK)
    policy = RetryPolicy(attempts=4, initial_wait=0.5, max_wait=8, jitter=0)
    assert run(script, policy) == OK
    assert script.sends == 3
    assert script.sleeps == [0.5, 1.0]


def test_transient_failures_stop_after_the_attempts_and_return_the_last() -> None:
    script = Script(TRANSIENT, TRANSIENT, TRANSIENT)
    policy = RetryPolicy(attempts=3, initial_wait=1, max_wait=3, jitter=0)
    assert run(script, policy) == TRANSIENT
    assert script.sleeps == [1, 2]


@given(
    attempts=st.integers(min_value=1, max_value=8),
    initial=st.floats(min_value=0, max_value=5),
    cap=st.floats(min_value=0, max_value=10),
    jitter=st.floats(min_value=0, max_value=2),
)
def test_waits_grow_and_stay_under_the_cap(
    attempts: int, initial: float, cap: float, jitter: float
) -> None:
    script = Script(*[TRANSIENT] * attempts)
    policy = RetryPolicy(
        attempts=attempts, initial_wait=initial, max_wait=cap, jitter=jitter, total=1e9
    )
    assert run(script, policy) == TRANSIENT
    assert script.sends == attempts
    assert len(script.sleeps) == attempts - 1
    for number, wait in enumerate(script.sleeps):
        floor = min(initial * 2**number, cap)
        assert floor - 1e-9 <= wait <= min(floor + jitter, cap) + 1e-9


def test_no_retry_starts_after_the_total() -> None:
    script = Script(TRANSIENT, TRANSIENT)
    policy = RetryPolicy(attempts=6, initial_wait=0, max_wait=0, jitter=0, total=0)
    assert run(script, policy) == TRANSIENT
    assert script.sends == 1


def throttled(seconds: float) -> SendResult:
    """A 429 whose peer asked to be left alone for ``seconds``."""
    return SendResult(ok=False, retryable=True, error="http-429: slow down", retry_after=seconds)


def run_clocked(script: Script, policy: RetryPolicy) -> SendResult:
    return send_with_retry(
        script, "json://127.0.0.1/x", MESSAGE, policy, sleep=script.sleep, clock=script.clock
    )


class TestRetryAfter:
    POLICY = RetryPolicy(attempts=4, initial_wait=0.5, max_wait=8, jitter=0, total=30)

    def test_a_retry_after_longer_than_the_backoff_is_waited_for(self) -> None:
        """Asked for 5 s then 3 s: the waits are 5 and 3 (not 0.5 and 1), even above the
        longest backoff wait, since the budget has room."""
        script = Script(throttled(5), throttled(12), OK)
        assert run_clocked(script, self.POLICY) == OK
        assert script.sleeps == [5, 12]

    def test_a_shorter_retry_after_does_not_shorten_the_backoff(self) -> None:
        script = Script(throttled(0.1), OK)
        assert run_clocked(script, self.POLICY) == OK
        assert script.sleeps == [0.5]

    def test_a_retry_after_past_the_budget_gives_up_at_once(self) -> None:
        """Asked for a minute with 30 s of budget: no sleeping past the budget; the failure is
        returned, still retryable (the fallback kind takes over), saying why."""
        script = Script(throttled(60))
        result = run_clocked(script, self.POLICY)
        assert (script.sends, script.sleeps) == (1, [])
        assert result.retryable
        assert result.error == "http-429: slow down; Retry-After 60s is past the retry budget"

    def test_the_waits_already_taken_count_against_the_budget(self) -> None:
        """20 s waited, then asked for 20 s more: 40 > 30, so the third try never starts."""
        script = Script(throttled(20), throttled(20))
        result = run_clocked(script, self.POLICY)
        assert (script.sends, script.sleeps) == (2, [20])
        assert result.error is not None
        assert result.error.endswith("Retry-After 20s is past the retry budget")

    def test_running_out_of_tries_is_not_blamed_on_the_budget(self) -> None:
        """Two tries allowed, both throttled briefly: the last failure as it came."""
        script = Script(throttled(1), throttled(1))
        policy = RetryPolicy(attempts=2, initial_wait=0.5, max_wait=8, jitter=0, total=30)
        assert run_clocked(script, policy) == throttled(1)
        assert script.sleeps == [1]


@pytest.mark.parametrize(
    ("value", "date", "seconds"),
    [
        ("7", None, 7.0),
        (" 1.5 ", None, 1.5),
        ("-3", None, None),
        ("nan", None, None),
        ("soon", None, None),
        ("Wed, 25 Nov 2026 12:00:30 GMT", "Wed, 25 Nov 2026 12:00:00 GMT", 30.0),
        ("Wed, 25 Nov 2026 11:59:00 GMT", "Wed, 25 Nov 2026 12:00:00 GMT", 0.0),
        ("Wed, 25 Nov 2026 12:01:00 GMT", None, 60.0),
        ("Wed, 25 Nov 2026 12:01:00 GMT", "not a date", 60.0),
    ],
)
def test_retry_after_is_seconds_or_a_date_counted_from_the_answers_own_date(
    value: str, date: str | None, seconds: float | None
) -> None:
    """A date counts from the answer's Date header (the peer's clock), else from now."""
    assert retry_after_seconds(value, date, WEDNESDAY_NOON) == seconds
