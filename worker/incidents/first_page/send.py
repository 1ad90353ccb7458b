"""Sending a declaration's first page on the process's sending pool, between its two commits."""

from __future__ import annotations

from concurrent.futures import wait
from dataclasses import dataclass

from muster.worker.deliveries.claim import Claimed
from muster.worker.deliveries.recorder import FollowUps
from muster.worker.deliveries.rows import NewDelivery
from muster.worker.deliveries.send import hand_over
from muster.worker.runtime import Runtime


@dataclass(frozen=True, slots=True)
class FirstPage:
    """Hands a declaration's first page, committed already claimed, to the sending pool.

    The declaration waits up to ``HEAD_START`` for the send before it queues the rest of its
    fan-out: long enough for a healthy local channel to finish (the send's own CPU is done in
    milliseconds; the rest of the work would otherwise compete with it for the interpreter),
    short enough that in a storm of declarations on a provider answering in seconds each one
    holds its task slot only that long. Nobody waits for the send to end: the recorder records
    it and queues its fallback, if it needs one, through ``follow_ups``.
    """

    rt: Runtime
    follow_ups: FollowUps

    HEAD_START = 0.05

    def start(self, rows: list[Claimed]) -> None:
        """Send the first page's rows (committed, claimed by this worker as they were written)."""
        sending = hand_over(self.rt, rows, self.follow_ups)
        wait(sending, timeout=self.HEAD_START)


def claimed(row: NewDelivery) -> Claimed:
    """A row its writer claimed as it wrote it (``sending_until``), to send it at once."""
    return Claimed(
        row.id,
        row.incident_id,
        row.purpose,
        row.reason,
        row.kind,
        row.person,
        row.title,
        row.body,
        row.body_format,
        0,
    )
