"""Retrying one target: how often, how long apart, and when to give up (no real sleeping)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from muster.channels.retry import RetryPolicy, send_with_retry
from muster.channels.sender import SendResult
from muster.worker.core.render import RenderedMessage

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
