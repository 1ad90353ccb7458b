"""The sending pool: every send of a process on one pool, bounded in all and per provider, so a
provider answering slowly never holds up another's sends, and a storm waits outside memory."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from muster.channels.sending_pool import SendingPool
from muster.channels.targets import provider


@pytest.fixture
def pool() -> Iterator[SendingPool]:
    found = SendingPool(threads=4, per_lane=2, queue_limit=6)
    try:
        yield found
    finally:
        found.shutdown()


def blocked(gate: threading.Event, started: threading.Semaphore) -> Callable[[], str]:
    def job() -> str:
        started.release()
        gate.wait(5)
        return "slow"

    return job


class TestLanes:
    def test_a_slow_provider_holds_at_most_its_lane_of_the_threads(self, pool: SendingPool) -> None:
        """Five sends to a provider that does not answer: two are on the wire, three wait in its
        lane, and another provider's send goes out at once on the threads left."""
        gate, started = threading.Event(), threading.Semaphore(0)
        try:
            slow = [pool.submit("http://slow", blocked(gate, started)) for _ in range(5)]
            assert started.acquire(timeout=5)
            assert started.acquire(timeout=5)
            assert not started.acquire(timeout=0.2)  # the third waits in the lane, off-thread
            fast = pool.submit("http://fast", lambda: "fast")
            assert fast.result(timeout=5) == "fast"
            assert not any(sending.done() for sending in slow)
        finally:
            gate.set()
        assert [sending.result(timeout=5) for sending in slow] == ["slow"] * 5
        assert pool.busiest <= pool.threads

    def test_the_lane_bound_is_never_above_the_threads(self) -> None:
        assert SendingPool(threads=3, per_lane=10).per_lane == 3
        assert SendingPool(threads=3).per_lane == 3
        assert SendingPool().per_lane == 0


class TestRoom:
    def test_handing_over_waits_while_the_queue_limit_is_reached(self, pool: SendingPool) -> None:
        gate, started = threading.Event(), threading.Semaphore(0)
        try:
            for _ in range(6):
                pool.submit("http://slow", blocked(gate, started))
            assert pool.outstanding == 6
            assert pool.make_room(1, timeout=0.1) is False
        finally:
            gate.set()
        assert pool.make_room(6, timeout=5) is True

    def test_a_batch_larger_than_the_limit_goes_once_the_pool_is_empty(self) -> None:
        assert SendingPool(threads=2, queue_limit=1).make_room(50, timeout=0) is True

    def test_with_no_threads_a_job_runs_when_submitted(self) -> None:
        caller = threading.get_ident()
        assert SendingPool().submit("any", threading.get_ident).result(timeout=0) == caller


class TestProvider:
    @pytest.mark.parametrize(
        ("url", "lane"),
        [
            ("json://127.0.0.1:8080/sms/+353", "json://127.0.0.1:8080"),
            ("mailtos://user:secret@smtp.example.com/?to=a@b", "mailtos://smtp.example.com"),
            ("slack://T1/B2/C3/#ops", "slack://t1"),
            ("json://host:99999/x", "json"),
        ],
    )
    def test_a_lane_is_a_scheme_and_host_without_credentials(self, url: str, lane: str) -> None:
        assert provider(url) == lane
