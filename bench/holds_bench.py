"""Does a maintenance window's end release what it held quickly, and cost nothing meanwhile?

A window on search holds a storm of declarations (500 SEV2s by default: each pages the same
four people by two kinds when released). This measures, on SQLite and (with
``--databases postgresql``) PostgreSQL:

* the holds' part of an idle beat scan while the window holds them all (every scan re-evaluates
  what is held: a read of the unreleased rows and the windows active now): median of 20;
* the scan at the window's end: every incident released once, its plan, timers and pages
  written, folded into one digest per person and kind, and the digests written by the same
  scan (the holds' part, then the timers' with the digests).

Targets: the idle holds scan < 50 ms with 500 held; the end's release < 10 s for 500. Run:
``.venv/bin/python -m bench.holds_bench [--held 500] [--databases sqlite postgresql]``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

import structlog
from sqlalchemy import func, select

from muster.worker.holds.scan import scan_holds
from muster.worker.store.models import Delivery
from muster.worker.timers.scan import scan
from tests.harness.declarations import declare
from tests.harness.holding import ENDS_IN, SEARCH_SEV2, SEARCH_WINDOW, hold
from tests.harness.runtimes import ONE_TRY, clock, stub_runtime
from tests.harness.servers import postgres_database

IDLE_TARGET_MS, RELEASE_TARGET_S = 50.0, 10.0


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def one(database: str, held: int) -> bool:
    """Measure on one database; whether both targets hold."""
    with (
        tempfile.TemporaryDirectory() as folder,
        postgres_database()
        if database == "postgresql"
        else nullcontext(f"sqlite:///{Path(folder) / 'muster.db'}") as url,
        stub_runtime(url, Path(folder), ONE_TRY) as rt,
    ):
        hold(rt, **{"search-reindex": SEARCH_WINDOW})
        started = time.perf_counter()
        for n in range(held):
            declare(rt, f"m-{n}", base=SEARCH_SEV2, incident_id=f"inc-{n}", title=f"Slow {n}")
        declared = time.perf_counter() - started
        idle = []
        for _ in range(20):
            clock(rt).advance(timedelta(seconds=1))
            started = time.perf_counter()
            scan_holds(rt)
            idle.append((time.perf_counter() - started) * 1000)
        clock(rt).advance(timedelta(minutes=ENDS_IN))
        started = time.perf_counter()
        released = scan_holds(rt) + scan(rt)
        release = time.perf_counter() - started
        with rt.database.transaction() as session:
            digests = session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.purpose == "digest")
            )
    idle_ms = statistics.median(idle)
    print(f"{database}: {held} held declarations in {declared:.1f} s")
    ok_idle, ok_release = idle_ms < IDLE_TARGET_MS, release < RELEASE_TARGET_S
    print(
        f"  idle holds scan, {held} held: {idle_ms:.1f} ms median"
        f"  target < {IDLE_TARGET_MS:.0f} ms  {verdict(ok_idle)}"
    )
    print(
        f"  the end: {held} released, {digests} digests, {len(released)} deliveries queued"
        f" in {release:.2f} s  target < {RELEASE_TARGET_S:.0f} s  {verdict(ok_release)}"
    )
    return ok_idle and ok_release


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held", type=int, default=500)
    parser.add_argument("--databases", nargs="+", default=["sqlite"])
    options = parser.parse_args()
    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    results = [one(database, options.held) for database in options.databases]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
