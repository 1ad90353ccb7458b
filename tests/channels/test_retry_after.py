"""``Retry-After`` on a 429 or 503, learnt from the real answer of a local HTTP server through
real Apprise, and honoured within the retry budget (the sleep is injected: nothing waits)."""

from __future__ import annotations

import time
from email.utils import formatdate
from functools import partial

import pytest

from muster.channels.retry import RetryPolicy, send_with_retry
from muster.channels.sender import AppriseSender, SendResult
from muster.channels.sending_pool import SendingPool
from muster.channels.targets import fill_template
from muster.worker.core.rendering.render import RenderedMessage
from tests.harness.peers import MattermostPeer, SmsPeer

pytestmark = pytest.mark.integration

ADDRESSES = {"chat": "alice", "sms": "+353850000001"}
MESSAGE = RenderedMessage(title="SEV1", body="page", body_format="text")
POLICY = RetryPolicy(attempts=4, initial_wait=0.5, max_wait=8, jitter=0, total=30)
HTTP_PEERS = ["chat_peer", "sms_peer"]


class Pause:
    """An injected sleep that records, and a monotonic clock it moves."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def clock(self) -> float:
        return time.monotonic() + sum(self.sleeps)


def send(peer: MattermostPeer | SmsPeer, pause: Pause) -> SendResult:
    url = fill_template(peer.url_template(), ADDRESSES)
    return send_with_retry(
        AppriseSender(), url, MESSAGE, POLICY, sleep=pause.sleep, clock=pause.clock
    )


@pytest.mark.parametrize("name", HTTP_PEERS)
@pytest.mark.parametrize("status", [429, 503])
def test_the_sender_reports_the_retry_after_it_was_answered(
    request: pytest.FixtureRequest, name: str, status: int
) -> None:
    peer: MattermostPeer | SmsPeer = request.getfixturevalue(name)
    peer.fail_next(1, status, headers={"Retry-After": "7"})
    result = AppriseSender()(fill_template(peer.url_template(), ADDRESSES), MESSAGE)
    assert (result.ok, result.retryable, result.retry_after) == (False, True, 7.0)


def test_a_failure_without_retry_after_reports_none(chat_peer: MattermostPeer) -> None:
    chat_peer.fail_next(1, 503)
    result = AppriseSender()(fill_template(chat_peer.url_template(), ADDRESSES), MESSAGE)
    assert (result.ok, result.retry_after) == (False, None)


@pytest.mark.parametrize("name", HTTP_PEERS)
def test_a_429_is_retried_after_the_wait_it_asked_for(
    request: pytest.FixtureRequest, name: str
) -> None:
    """Retry-After 7 on the first try: one wait of 7 s (not the 0.5 s backoff), then sent."""
    peer: MattermostPeer | SmsPeer = request.getfixturevalue(name)
    peer.fail_next(1, 429, headers={"Retry-After": "7"})
    pause = Pause()
    result = send(peer, pause)
    assert result.ok, result.error
    assert pause.sleeps == [7.0]
    assert [r.status for r in peer.requests] == [429, peer.requests[-1].status]
    assert len(peer.messages) == 1


def test_an_http_date_retry_after_counts_from_the_answers_date(
    chat_peer: MattermostPeer,
) -> None:
    """A 503 asking to come back at a time, 10 s after its own Date header."""
    chat_peer.fail_next(1, 503, headers={"Retry-After": formatdate(time.time() + 10, usegmt=True)})
    pause = Pause()
    assert send(chat_peer, pause).ok
    assert len(pause.sleeps) == 1
    assert 9 <= pause.sleeps[0] <= 11


def test_a_retry_after_past_the_budget_gives_up_without_sleeping(
    chat_peer: MattermostPeer,
) -> None:
    """Two minutes asked, 30 s of budget: one request, no sleep, a retryable failure saying
    why, so the fallback kind pages the person now rather than after the wait."""
    chat_peer.fail_next(1, 429, headers={"Retry-After": "120"})
    pause = Pause()
    result = send(chat_peer, pause)
    assert (result.ok, result.retryable, pause.sleeps) == (False, True, [])
    assert len(chat_peer.requests) == 1
    assert result.error is not None
    assert result.error.startswith("http-429: ")
    assert result.error.endswith("; Retry-After 120s is past the retry budget")


def test_concurrent_sends_each_hear_only_their_own_answers(
    chat_peer: MattermostPeer, sms_peer: SmsPeer
) -> None:
    """On the sending threads at once: the throttled chat send learns its Retry-After, the SMS
    send sent alongside it learns nothing of it."""
    chat_peer.fail_next(1, 429, headers={"Retry-After": "7"})
    sender = AppriseSender()
    fanout = SendingPool(threads=2, linger=0.5)
    jobs = [
        partial(sender, fill_template(peer.url_template(), ADDRESSES), MESSAGE)
        for peer in (chat_peer, sms_peer)
    ]
    try:
        results = dict(pair for group in fanout.run(jobs) for pair in group)
    finally:
        fanout.shutdown()
    assert (results[0].ok, results[0].retry_after) == (False, 7.0)
    assert (results[1].ok, results[1].retry_after) == (True, None)
