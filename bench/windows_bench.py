"""Benchmark: do maintenance windows stay cheap to consult on every declaration?

Each declaration will ask which windows hold it, and the beat when the next one starts or ends.
Against 250 windows (far more than any team keeps: 200 recurring, daily to monthly, begun up to
ten years ago, and 50 one-off), this checks:

* what holds an incident at an instant (:func:`active_windows` + :func:`holding`), over 1,000
  instants across a week, takes < 5 ms at the median;
* the next boundary (:func:`next_boundary`) takes < 50 ms;
* a rule that never occurs (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``) is answered in < 1 s
  (dateutil alone searches to the year 9999: 4 to 15 s on the bench machine).

The first question, which finds each rule's occurrences from its start, is reported without a
target. Run ``.venv/bin/python -m bench.windows_bench``; it exits non-zero when a target fails.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from muster.worker.core.checks.validation import validate_schema
from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.decisions.holds import Subject, holding
from muster.worker.core.decisions.windows import active_windows, next_boundary, windows_between
from tests.harness.configs import minimal_document

RECURRING, ONE_OFF, LOOKUPS = 200, 50, 1_000
HOLDING_TARGET_MS, BOUNDARY_TARGET_MS, NEVER_TARGET_S = 5.0, 50.0, 1.0
SHAPES = (
    "FREQ=WEEKLY;BYDAY=SU",
    "FREQ=DAILY;BYHOUR=2",
    "FREQ=MONTHLY;BYDAY=-1SA",
    "FREQ=DAILY;BYHOUR=1,13",
)
NOW = datetime(2026, 12, 7, 15, tzinfo=UTC)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def config(windows: dict[str, Any]) -> RoutingConfig:
    """The minimal document with ``windows`` (the schema alone: the bench's windows may meet)."""
    document = minimal_document()
    document["maintenance"] = {"windows": windows}
    parsed, issues = validate_schema(document)
    if parsed is None:
        raise SystemExit("\n".join(map(str, issues)))
    return parsed


def many_windows() -> RoutingConfig:
    scope = {"services": ["api"], "severities": ["SEV2"]}
    windows: dict[str, Any] = {
        f"recurring-{i}": {
            "reason": "bench",
            "scope": scope,
            "start": f"{2016 + i % 10}-01-0{1 + i % 7}T0{i % 9}:00",
            "recurrence": SHAPES[i % len(SHAPES)],
            "duration": "30m",
            "timezone": "Europe/Dublin",
        }
        for i in range(RECURRING)
    }
    for i in range(ONE_OFF):
        day = f"2026-12-{1 + i % 28:02d}"
        windows[f"once-{i}"] = {
            "reason": "bench",
            "scope": scope,
            "start": f"{day}T01:00",
            "end": f"{day}T03:00",
        }
    return config(windows)


def main() -> int:
    """Time each question; return 1 if a target fails."""
    routing = many_windows()
    started = time.perf_counter()
    active_windows(routing, NOW)
    print(f"first question, {RECURRING + ONE_OFF} windows: {time.perf_counter() - started:.2f} s")

    subject = Subject(services=("api",), severity="SEV2")
    lookups = []
    for step in range(LOOKUPS):
        at = NOW + timedelta(seconds=step * 600)
        started = time.perf_counter()
        holding(active_windows(routing, at), subject, at)
        lookups.append((time.perf_counter() - started) * 1000)
    median, p99 = statistics.median(lookups), sorted(lookups)[int(LOOKUPS * 0.99) - 1]
    holding_ok = median < HOLDING_TARGET_MS
    print(
        f"what holds an incident: median {median:.2f} ms, p99 {p99:.2f} ms over {LOOKUPS:,}"
        f" instants (target < {HOLDING_TARGET_MS:g} ms, judged on the median)"
        f" {verdict(holding_ok)}"
    )

    started = time.perf_counter()
    next_boundary(routing, NOW)
    boundary_ms = (time.perf_counter() - started) * 1000
    boundary_ok = boundary_ms < BOUNDARY_TARGET_MS
    print(
        f"next boundary: {boundary_ms:.1f} ms (target < {BOUNDARY_TARGET_MS:g} ms)"
        f" {verdict(boundary_ok)}"
    )

    never = config(
        {
            "never": {
                "reason": "bench",
                "scope": {"services": ["api"]},
                "start": "2026-01-01T00:00",
                "recurrence": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
                "duration": "1h",
            }
        }
    )
    started = time.perf_counter()
    windows_between(never, NOW, NOW + timedelta(days=7))
    never_s = time.perf_counter() - started
    never_ok = never_s < NEVER_TARGET_S
    print(
        f"a rule that never occurs: {never_s:.3f} s (target < {NEVER_TARGET_S:g} s)"
        f" {verdict(never_ok)}"
    )
    ok = holding_ok and boundary_ok and never_ok
    print("overall:", verdict(ok))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
