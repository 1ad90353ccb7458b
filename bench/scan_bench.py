"""What the beat's timer scan costs with a big backlog, on SQLite and PostgreSQL.

The scan runs every few seconds on every deployment, so its cost with nothing due must stay tiny
however many incidents are open, and a scan that does fire timers must stay well inside its
interval. This builds 10,000 open SEV1 incidents (each with its escalation chains, summary and
reminder timers: 60,000 timers) and 100,000 unacknowledged page rows, then measures:

* an idle scan (nothing due): time and database statements;
* busy scans: every timer of 5 incidents due (a typical scan: escalation steps paging people,
  summaries composed from the timeline, reminders), and of 50 incidents at one instant (a
  burst), time and statements per scan and per timer fired.

Target: under 100 ms per scan. Run: ``.venv/bin/python -m bench.scan_bench [--databases sqlite
postgresql]``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import create_engine, event, insert, text, update

from muster.channels.retry import RetryPolicy
from muster.config.watch import ConfigSource
from muster.worker.clock import ManualClock
from muster.worker.core.paging.incident import Incident as CoreIncident
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.core.paging.snapshots import page_to_data, plan_to_data
from muster.worker.runtime import Runtime
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident, TimelineEntry, Timer
from muster.worker.timers.scan import scan

DEMO = Path(__file__).resolve().parent.parent / "config" / "demo.yaml"
INCIDENTS = 10_000
PAGES = 100_000
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TARGET_MS = 100.0


def populate(database: Database, routing: Any) -> None:
    """Bulk-load the backlog: incidents, their timers, page rows and a few timeline entries."""
    core = CoreIncident(
        id="x",
        title="Checkout failing",
        impact="critical",
        urgency="high",
        services=("payments-api",),
        declared_at=NOW,
    )
    plan = build_page_plan(routing, core, NOW)
    plan_data = plan_to_data(plan)
    pages = [(page, contact.kind) for page in plan.pages for contact in page.contacts]
    chains = [
        {
            "role": c.role,
            "service": c.service,
            "rotations": list(c.rotations),
            "start_level": c.start_level,
            "steps_taken": 0,
            "paged": [
                p.person
                for p in plan.pages
                for a in p.assignments
                if a.role == c.role and a.service == c.service
            ],
        }
        for c in plan.escalations
    ]
    far = NOW + timedelta(days=1)  # not due during the idle scans
    incidents, timers, deliveries, entries = [], [], [], []
    per_incident = PAGES // INCIDENTS
    for number in range(INCIDENTS):
        incident_id = f"inc-{number:05d}"
        incidents.append(
            {
                "id": incident_id,
                "fingerprint": None,
                "title": f"Incident {number}",
                "summary": "",
                "impact": "critical",
                "urgency": "high",
                "severity": "SEV1",
                "services": ["payments-api"],
                "source": "bench",
                "customer_reports": [],
                "links": {},
                "labels": {},
                "state": "investigating",
                "impact_statement": "Checkout failing",
                "plan": plan_data,
                "declared_at": NOW,
                "resolved_at": None,
                "updated_at": NOW,
            }
        )
        for chain in chains:
            label = chain["role"] if not chain["service"] else f"{chain['role']}:{chain['service']}"
            timers.append(
                {
                    "incident_id": incident_id,
                    "kind": "escalation",
                    "key": f"{incident_id}:escalation:{label}",
                    "due_at": far,
                    "state": "pending",
                    "data": chain,
                    "fired": 0,
                    "updated_at": NOW,
                }
            )
        timers.append(
            {
                "incident_id": incident_id,
                "kind": "summary",
                "key": f"{incident_id}:summary",
                "due_at": far,
                "state": "pending",
                "data": {"last_at": None},
                "fired": 0,
                "updated_at": NOW,
            }
        )
        timers.append(
            {
                "incident_id": incident_id,
                "kind": "reminder",
                "key": f"{incident_id}:reminder",
                "due_at": far,
                "state": "pending",
                "data": {},
                "fired": 0,
                "updated_at": NOW,
            }
        )
        for index in range(per_incident):
            page, kind = pages[index % len(pages)]
            deliveries.append(
                {
                    "key": f"{incident_id}:page:{page.person}:{kind}:plan:{index}",
                    "incident_id": incident_id,
                    "purpose": "page",
                    "reason": "plan",
                    "person": page.person,
                    "kind": kind,
                    "requested_kind": kind,
                    "page": page_to_data(page),
                    "title": "t",
                    "body": "b",
                    "body_format": "text",
                    "status": "sent",
                    "attempts": 1,
                    "lease_until": None,
                    "last_error": None,
                    "fallback_of": None,
                    "created_at": NOW,
                    "finished_at": NOW,
                }
            )
        entries.append(
            {
                "incident_id": incident_id,
                "key": f"{incident_id}:declared",
                "at": NOW,
                "kind": "declared",
                "actor": "bench",
                "text": "declared",
                "data": {},
            }
        )
    with database.engine.begin() as connection:
        for table, rows in (
            (Incident, incidents),
            (Timer, timers),
            (Delivery, deliveries),
            (TimelineEntry, entries),
        ):
            for start in range(0, len(rows), 5_000):
                connection.execute(insert(table), rows[start : start + 5_000])


@contextmanager
def counting(database: Database) -> Iterator[list[int]]:
    """Count the SQL statements executed inside the block."""
    counter = [0]

    def count(*_: Any) -> None:
        counter[0] += 1

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


def make_due(database: Database, incidents: range, at: datetime) -> int:
    """Make every timer of the given incidents due at ``at``; returns how many."""
    ids = [f"inc-{n:05d}" for n in incidents]
    with database.transaction() as session:
        result = session.execute(update(Timer).where(Timer.incident_id.in_(ids)).values(due_at=at))
        return int(result.rowcount)  # type: ignore[attr-defined]


def busy_scans(
    database: Database, runtime: Runtime, clock: ManualClock, first: int, per_scan: int, scans: int
) -> tuple[list[float], list[int], list[int]]:
    """Scans each finding every timer of ``per_scan`` incidents due."""
    elapsed, statements, fired = [], [], []
    for batch in range(scans):
        clock.advance(timedelta(minutes=5))
        start = first + batch * per_scan
        fired.append(make_due(database, range(start, start + per_scan), clock.now()))
        with counting(database) as counter:
            tick = time.perf_counter()
            scan(runtime)
            elapsed.append((time.perf_counter() - tick) * 1000)
        statements.append(counter[0])
        make_due(database, range(start, start + per_scan), clock.now() + timedelta(days=1))
    return elapsed, statements, fired


def measure(name: str, url: str) -> dict[str, Any]:
    """Populate a fresh database at ``url`` and time the scans."""
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "routing.yaml"
        config.write_text(DEMO.read_text())
        database = Database.connect(url)
        clock = ManualClock(NOW)
        runtime = Runtime(
            database=database,
            config=ConfigSource(config, environ={}, interval=60),
            clock=clock,
            retry=RetryPolicy(),
        )
        started = time.perf_counter()
        populate(database, runtime.config.current().routing)
        load_s = time.perf_counter() - started
        idle_ms, idle_queries = [], []
        for _ in range(20):
            with counting(database) as counter:
                tick = time.perf_counter()
                scan(runtime)
                idle_ms.append((time.perf_counter() - tick) * 1000)
            idle_queries.append(counter[0])
        typical = busy_scans(database, runtime, clock, first=0, per_scan=5, scans=10)
        burst = busy_scans(database, runtime, clock, first=100, per_scan=50, scans=3)
        database.engine.dispose()
    return {
        "name": name,
        "load_s": load_s,
        "idle_p50": statistics.median(idle_ms),
        "idle_max": max(idle_ms),
        "idle_queries": statistics.median(idle_queries),
        "typical": typical,
        "burst": burst,
    }


def describe(label: str, figures: tuple[list[float], list[int], list[int]]) -> str:
    """One line for a series of busy scans."""
    elapsed, statements, fired = figures
    timers = statistics.median(fired)
    p50 = statistics.median(elapsed)
    return (
        f"  {label} ({timers:.0f} timers due per scan): p50 {p50:.0f} ms, "
        f"max {max(elapsed):.0f} ms, {statistics.median(statements):.0f} statements "
        f"({p50 / timers:.2f} ms per timer fired)"
    )


@contextmanager
def postgres() -> Iterator[str]:
    """A scratch PostgreSQL database, dropped afterwards."""
    name = f"muster_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    # The escalations it fires would log thousands of lines.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(
        f"backlog: {INCIDENTS:,} open SEV1 incidents, {INCIDENTS * 6:,} timers, "
        f"{PAGES:,} unacknowledged page rows"
    )
    ok = True
    for name in args.databases:
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                result = measure("SQLite", f"sqlite:///{folder}/bench.db")
        else:
            with postgres() as url:
                result = measure("PostgreSQL", url)
        typical_p50 = statistics.median(result["typical"][0])
        passed = result["idle_max"] < TARGET_MS and typical_p50 < TARGET_MS
        ok &= passed
        print(f"{result['name']}: backlog loaded in {result['load_s']:.1f} s")
        print(
            f"  idle scan (nothing due): p50 {result['idle_p50']:.2f} ms, "
            f"max {result['idle_max']:.2f} ms, {result['idle_queries']:.0f} statement"
        )
        print(describe("typical scan, 5 incidents' timers due", result["typical"]))
        print(describe("burst scan, 50 incidents' timers due at one instant", result["burst"]))
        print(
            f"  target < {TARGET_MS:.0f} ms per scan (idle max and typical p50): "
            f"{'PASS' if passed else 'FAIL'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
