"""Sending claimed deliveries: concurrently, each with its own bounded retries.

Results are masked before anyone keeps them (an Apprise error can quote the URL it failed on),
then handed to :mod:`muster.worker.deliveries.record` as each group finishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from muster.channels.retry import send_with_retry
from muster.channels.sender import SendResult
from muster.channels.targets import target_url
from muster.worker.core.config.masking import mask_text
from muster.worker.core.paging.deliveries import DeliveryPurpose
from muster.worker.core.paging.rooms import room_url
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.deliveries.claim import Claimed, claim
from muster.worker.deliveries.lease import keeper
from muster.worker.deliveries.record import record
from muster.worker.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Attempt:
    """One send's result, with when it started."""

    at: datetime
    result: SendResult


def run_delivery(rt: Runtime, delivery_id: int) -> tuple[int, ...]:
    """Send delivery ``delivery_id`` if nobody else holds it; return follow-up deliveries."""
    return run_batch(rt, [delivery_id])


def run_batch(rt: Runtime, delivery_ids: Sequence[int]) -> tuple[int, ...]:
    """Send the deliveries of ``delivery_ids`` nobody else holds, at once; return follow-ups.

    One statement claims the whole batch; the sends run concurrently on the runtime's fan-out,
    each with its own retries, their leases renewed while they run; each send is recorded as
    soon as it finishes (with any that finished at the same moment), so a crash repeats only the
    sends on the wire. A page that still failed gets its fallback delivery, returned for the
    caller to queue.
    """
    now = rt.clock.now()
    with rt.database.transaction() as session:
        claimed = claim(session, rt, delivery_ids, now)
    return send_claimed(rt, claimed)


def send_claimed(rt: Runtime, claimed: Sequence[Claimed]) -> tuple[int, ...]:
    """Send deliveries this worker holds the lease of, at once; record them; return follow-ups."""
    if not claimed:
        return ()
    routing = rt.config.current().routing
    jobs = [partial(_send, rt, routing, row) for row in claimed]
    follow_ups: list[int] = []
    leases = keeper(rt)
    leases.hold(row.id for row in claimed)
    try:
        for group in rt.fanout.run(jobs):
            finished = [(claimed[i], sent) for i, sent in group]
            follow_ups += record(rt, routing, finished)
            leases.release(row.id for row, _ in finished)
    finally:
        leases.release(row.id for row in claimed)
    return tuple(follow_ups)


Sent = tuple[list[Attempt], SendResult]


def _send(rt: Runtime, routing: Routing, row: Claimed) -> Sent:
    """One delivery's sends (retries included), with results masked before anyone keeps them."""
    url, missing = _destination(routing, row)
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
