"""The timer scan run as beat runs it (the holds' part first), on the runtime's ManualClock,
and the escalation and summary rows it leaves: the timer tests' vocabulary, shared by every
module that scans ``rt``.

No test sleeps: the clock is advanced a minute at a time and the scan called at each minute,
by several scanners at once when a test asks (the scan's safety rests on database locking).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.worker.holds.scan import scan_holds
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery
from muster.worker.timers.scan import scan
from tests.harness.declarations import declare
from tests.harness.runtimes import clock

MINUTE = timedelta(minutes=1)


def declare_sev1(rt: Runtime) -> None:
    """ "Checkout failing" on payments-api (a SEV1 with the demo config), handled at once."""
    declare(rt, "m-declare")


def run_for(rt: Runtime, minutes: int, scanners: int = 1) -> list[int]:
    """Advance the clock a minute at a time, scanning (with several scanners at once if asked)."""
    created: list[int] = []
    lock = threading.Lock()

    def one_scan() -> None:
        found = scan_holds(rt) + scan(rt)
        with lock:
            created.extend(found)

    for _ in range(minutes):
        clock(rt).advance(MINUTE)
        threads = [threading.Thread(target=one_scan) for _ in range(scanners)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return created


def escalations(rt: Runtime) -> list[tuple[str | None, str]]:
    """(person, reason) of every escalation page row, one per person (kinds collapsed)."""
    with rt.database.transaction() as session:
        rows = session.scalars(
            select(Delivery).where(Delivery.reason.like("escalation:%")).order_by(Delivery.id)
        )
        return list(dict.fromkeys((row.person, row.reason) for row in rows))


def summaries(rt: Runtime) -> list[Delivery]:
    """Every summary row, in the order written."""
    with rt.database.transaction() as session:
        return list(
            session.scalars(
                select(Delivery).where(Delivery.kind == "summaries").order_by(Delivery.id)
            )
        )


def scan_while_claimed(
    rt: Runtime, claim: Callable[[Session], list[int]]
) -> tuple[list[int], list[int]]:
    """Run ``claim`` in a transaction left open while a whole scan starts in another thread:
    what the claim wrote, and what that scan wrote (it waits on the claim's rows, or on
    SQLite's write lock, until the claim commits)."""
    found: list[list[int]] = []
    with rt.database.transaction() as session:
        mine = claim(session)
        other = threading.Thread(target=lambda: found.append(scan(rt)))
        other.start()
        other.join(timeout=0.5)  # it waits on the claim (or the write lock) meanwhile
    other.join()
    [theirs] = found
    return mine, theirs
