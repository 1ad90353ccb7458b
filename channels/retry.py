"""Retrying transient delivery failures: exponential backoff with jitter, bounded in count and time.

Only failures the sender calls retryable are retried (a 400 will not get better); the total time
is bounded so one dead channel gives up soon enough for the fallback kind to page the person. A
peer's ``Retry-After`` lengthens a wait, never past that bound. The sleep and the clock are
injectable, so tests never wait for real.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_result,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from muster.channels.sender import Sender, SendResult
from muster.worker.core.rendering.render import RenderedMessage


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try one target before falling back."""

    attempts: int = 4
    initial_wait: float = 0.5
    max_wait: float = 8.0
    jitter: float = 0.5
    total: float = 30.0


def send_with_retry(
    sender: Sender,
    url: str,
    message: RenderedMessage,
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_attempt: Callable[[SendResult], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SendResult:
    """Send, retrying transient failures per ``policy``; the last result is returned.

    The wait before retry ``n`` is ``initial_wait * 2**(n-1)`` plus up to ``jitter``, capped at
    ``max_wait``, or longer if the peer asked for longer (``Retry-After``); at most
    ``attempts`` sends, and no wait that would end past ``total`` seconds: a peer that asks for
    more than the budget has left gets no retry, so the fallback kind pages the person now.
    """

    def attempt(url: str, message: RenderedMessage) -> SendResult:
        result = sender(url, message)
        if on_attempt is not None:
            on_attempt(result)
        return result

    started = clock()

    def past_budget(wait: float) -> bool:
        return clock() - started + wait >= policy.total

    first = attempt(url, message)  # most sends succeed at once: no retry machinery for them
    if first.ok or not first.retryable or policy.attempts <= 1:
        return first
    jitter = random.uniform(0, policy.jitter)  # noqa: S311 - spreading retries, not secrecy
    wait = _honouring(first, min(policy.initial_wait + jitter, policy.max_wait))
    if past_budget(wait):
        return _given_up(first, wait, past_budget=True)
    sleep(wait)
    backoff = wait_exponential_jitter(  # attempts 2..n: its waits start one step up the ladder
        multiplier=policy.initial_wait * 2, max=policy.max_wait, jitter=policy.jitter
    )
    retrying = Retrying(
        retry=retry_if_result(lambda result: not result.ok and result.retryable),
        stop=stop_after_attempt(policy.attempts - 1) | _StopPastBudget(past_budget),
        wait=lambda state: _honouring(_last(state), backoff(state)),
        sleep=sleep,
        retry_error_callback=lambda state: _given_up(
            _last(state), state.upcoming_sleep, past_budget(state.upcoming_sleep)
        ),
        reraise=True,
    )
    result: SendResult = retrying(attempt, url, message)
    return result


class _StopPastBudget(stop_base):
    """Stop rather than take a wait that would end past the budget."""

    def __init__(self, past_budget: Callable[[float], bool]) -> None:
        self.past_budget = past_budget

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.past_budget(retry_state.upcoming_sleep)


def _last(state: RetryCallState) -> SendResult:
    """The result of the attempt tenacity just made (it asks nothing before the first)."""
    if state.outcome is None:
        raise RuntimeError("no attempt made yet")
    result: SendResult = state.outcome.result()
    return result


def _honouring(result: SendResult, backoff: float) -> float:
    """The wait after ``result``: the backoff, or what the peer asked for if that is longer."""
    return max(backoff, result.retry_after or 0.0)


def _given_up(result: SendResult, wait: float, past_budget: bool) -> SendResult:
    """The last failure, saying so when the wait the peer asked for was past the budget."""
    if not past_budget or result.retry_after is None or result.retry_after < wait:
        return result
    reason = f"Retry-After {result.retry_after:g}s is past the retry budget"
    return replace(result, error=f"{result.error}; {reason}" if result.error else reason)
