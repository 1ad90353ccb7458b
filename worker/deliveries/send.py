"""Sending claimed deliveries on the process's sending pool, each with its own bounded retries.

Two ways in. The worker's tasks *hand over* (:func:`hand_over`, :func:`hand_over_batch`): the
sends go to the pool and the task returns at once, so how many pages are on the wire is the
pool's bound (``MUSTER_SEND_THREADS``, ``MUSTER_SEND_PER_PROVIDER``), never Celery's
concurrency; the process's recorder (:mod:`muster.worker.deliveries.recorder`) records each as it
finishes and hands its follow-ups back. :func:`run_batch` and :func:`send_claimed` send and
record before they return (tests, and callers with nothing else to do).

Results are masked before anyone keeps them (an Apprise error can quote the URL it failed on).
A claimed row's lease is renewed from its claim until it is recorded (waiting in its provider's
lane included), so a live worker's queued page is never taken from it, and a dead worker's
lapses within a lease.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import replace
from functools import partial

from muster.channels.retry import send_with_retry
from muster.channels.sender import SendResult
from muster.channels.targets import provider, target_url
from muster.worker.core.config.masking import mask_text
from muster.worker.core.paging.deliveries import DeliveryPurpose
from muster.worker.core.paging.rooms import room_url
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.deliveries.claim import Claimed, claim
from muster.worker.deliveries.lease import keeper
from muster.worker.deliveries.record import Attempt, Sent, record
from muster.worker.deliveries.recorder import FollowUps, recorder
from muster.worker.runtime import Runtime


def run_delivery(rt: Runtime, delivery_id: int) -> tuple[int, ...]:
    """Send delivery ``delivery_id`` if nobody else holds it; return follow-up deliveries."""
    return run_batch(rt, [delivery_id])


def run_batch(rt: Runtime, delivery_ids: Sequence[int]) -> tuple[int, ...]:
    """Send the deliveries of ``delivery_ids`` nobody else holds, at once; return follow-ups.

    One statement claims the whole batch; the sends run concurrently on the sending pool, each
    with its own retries, their leases renewed while they run; each send is recorded as soon
    as it finishes (with any that finished at the same moment), so a crash repeats only the
    sends on the wire. A page that still failed gets its fallback delivery, returned for the
    caller to queue.
    """
    return send_claimed(rt, _claim(rt, delivery_ids))


def hand_over_batch(rt: Runtime, delivery_ids: Sequence[int], follow_ups: FollowUps) -> None:
    """Claim the deliveries of ``delivery_ids`` nobody else holds and hand them to the sending
    pool, once it has room for them (``MUSTER_SEND_QUEUE``); return without waiting for the
    sends. Their follow-ups (fallbacks, notices) go to ``follow_ups`` once recorded."""
    rt.sending.make_room(len(delivery_ids))
    hand_over(rt, _claim(rt, delivery_ids), follow_ups)


def hand_over(rt: Runtime, claimed: Sequence[Claimed], follow_ups: FollowUps) -> list[Future[Sent]]:
    """Send deliveries this worker holds the lease of on the sending pool, each in its
    provider's lane, and return at once (the sends' futures, for a caller that would wait a
    little): the recorder records each as it finishes."""
    if not claimed:
        return []
    routing = rt.config.current().routing
    keeper(rt).hold(row.id for row in claimed)
    record_later = recorder(rt)
    futures = []
    for row in claimed:
        url, missing = _destination(routing, row)
        sending = rt.sending.submit(
            provider(url) if url else "", partial(_send, rt, routing, row, url, missing)
        )
        sending.add_done_callback(partial(record_later.finished, row, follow_ups))
        futures.append(sending)
    return futures


def send_claimed(rt: Runtime, claimed: Sequence[Claimed]) -> tuple[int, ...]:
    """Send deliveries this worker holds the lease of, at once; record them; return follow-ups."""
    if not claimed:
        return ()
    routing = rt.config.current().routing
    destinations = [_destination(routing, row) for row in claimed]
    jobs = [
        partial(_send, rt, routing, row, *destination)
        for row, destination in zip(claimed, destinations, strict=True)
    ]
    lanes = [provider(url) if url else "" for url, _ in destinations]
    follow_ups: list[int] = []
    leases = keeper(rt)
    leases.hold(row.id for row in claimed)
    try:
        for group in rt.sending.run(jobs, lanes):
            finished = [(claimed[i], sent) for i, sent in group]
            follow_ups += record(rt, routing, finished)
            leases.release(row.id for row, _ in finished)
    finally:
        leases.release(row.id for row in claimed)
    return tuple(follow_ups)


def _claim(rt: Runtime, delivery_ids: Sequence[int]) -> list[Claimed]:
    now = rt.clock.now()
    with rt.database.transaction() as session:
        return claim(session, rt, delivery_ids, now)


def _send(rt: Runtime, routing: Routing, row: Claimed, url: str | None, missing: str) -> Sent:
    """One delivery's sends (retries included), with results masked before anyone keeps them."""
    keeper(rt).hold([row.id])  # its retry budget counts from now, not from its claim
    if url is None:
        failure = SendResult(ok=False, retryable=False, error=missing)
        return [Attempt(rt.clock.now(), failure)], failure
    attempts: list[Attempt] = []

    def record(outcome: SendResult) -> None:
        attempts.append(Attempt(rt.clock.now(), outcome))

    message = RenderedMessage(title=row.title, body=row.body, body_format=row.body_format)
    try:
        result = send_with_retry(
            rt.sender, url, message, rt.retry, sleep=rt.sleep, on_attempt=record
        )
    except Exception as failure:  # noqa: BLE001 - a sender bug must not lose the rest of the batch
        row.logger().exception("delivery.sender_crashed")
        result = SendResult(ok=False, retryable=False, error=f"internal: {type(failure).__name__}")
        attempts.append(Attempt(rt.clock.now(), result))
    if result.ok and all(a.result.error is None for a in attempts):
        return attempts, result  # nothing to mask (copying a large config's secrets costs)
    private = routing.private_values | {url}
    return [Attempt(a.at, _masked(a.result, private)) for a in attempts], _masked(result, private)


def _masked(result: SendResult, private: frozenset[str] | set[str]) -> SendResult:
    """The result with addresses and secrets masked out of its error, before it is stored."""
    if result.error is None:
        return result
    return replace(result, error=mask_text(result.error, private))


def _destination(routing: Routing, row: Claimed) -> tuple[str | None, str]:
    if row.purpose == DeliveryPurpose.BROADCAST:
        url = room_url(routing, row.kind)
        return url, f"config-missing: broadcast destination {row.kind!r} is no longer configured"
    person = row.person or ""
    if person not in routing.config.people:
        return None, f"config-missing: person {person!r} is no longer in the config"
    if row.kind not in routing.config.people[person].addresses:
        return None, f"config-missing: {person!r} has no {row.kind} address any more"
    if row.kind not in routing.config.contacts.templates:
        return None, f"config-missing: no contact template for {row.kind!r}"
    return target_url(routing, person, row.kind), ""
