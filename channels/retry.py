"""Retrying transient delivery failures: exponential backoff with jitter, bounded in count and time.

Only failures the sender calls retryable are retried (a 400 will not get better); the total time
is bounded so one dead channel gives up soon enough for the fallback kind to page the person. The
sleep is injectable, so tests never wait for real.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from tenacity import (
    Retrying,
    retry_if_result,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from muster.channels.sender import Sender, SendResult
from muster.worker.core.render import RenderedMessage


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
) -> SendResult:
    """Send, retrying transient failures per ``policy``; the last result is returned.

    The wait before retry ``n`` is ``initial_wait * 2**(n-1)`` plus up to ``jitter``, capped at
    ``max_wait``; at most ``attempts`` sends, and no retry starts after ``total`` seconds.
    """

    def attempt(url: str, message: RenderedMessage) -> SendResult:
        result = sender(url, message)
        if on_attempt is not None:
            on_attempt(result)
        return result

    started = time.monotonic()
    first = attempt(url, message)  # most sends succeed at once: no retry machinery for them
    if first.ok or not first.retryable or policy.attempts <= 1:
        return first
    jitter = random.uniform(0, policy.jitter)  # noqa: S311 - spreading retries, not secrecy
    sleep(min(policy.initial_wait + jitter, policy.max_wait))
    if time.monotonic() - started >= policy.total:
        return first
    retrying = Retrying(  # attempts 2..n: its waits start one step up the ladder
        retry=retry_if_result(lambda result: not result.ok and result.retryable),
        stop=stop_after_attempt(policy.attempts - 1)
        | stop_after_delay(max(0.0, policy.total - (time.monotonic() - started))),
        wait=wait_exponential_jitter(
            multiplier=policy.initial_wait * 2, max=policy.max_wait, jitter=policy.jitter
        ),
        sleep=sleep,
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        reraise=True,
    )
    result: SendResult = retrying(attempt, url, message)
    return result
