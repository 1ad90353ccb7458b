"""Benchmark: are the on-call listings quick with a large organisation's config?

``muster oncall`` and ``GET /v1/oncall`` list every rotation's holder and next handoffs;
``GET /calendar/TOKEN.ics`` (polled by every subscribed calendar) builds a person's year of
final shifts and its iCalendar. On routing_bench's seeded config (10,000 people, 1,000 services,
2,000 rotations, ~200 overrides) this times, as medians of several runs:

* every rotation now and its next two handoffs: < 1 s;
* the final shifts of the busiest person's 12-month calendar: < 50 ms, and the whole feed
  (those shifts as .ics bytes) printed beside it: the icalendar library's serialisation is most
  of a feed's cost, and no target of muster's;
* one rotation's 12 months of shifts: < 20 ms.

It exits non-zero when a target fails.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.routing_bench import SEED, generate_config, verdict
from muster.config.loader import load_config
from muster.worker.core.paging.duties import Duty, final_shifts, narrowed, wanted_rotations
from muster.worker.core.paging.routing import Routing
from muster.worker.core.rendering.calendar import calendar_events, horizon, ics

RUNS = 7
AT = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
EVERY_ROTATION_TARGET_S = 1.0
PERSON_YEAR_TARGET_S = 0.050
ROTATION_YEAR_TARGET_S = 0.020


def median_seconds(work: Callable[[], object]) -> float:
    """The median wall time of ``RUNS`` runs of ``work``."""
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def person_shifts(routing: Routing, person: str) -> tuple[Duty, ...]:
    """The final shifts ``GET /calendar/TOKEN.ics`` lists for ``person``."""
    chosen = wanted_rotations(routing, person=person)
    return narrowed(final_shifts(routing, AT, horizon(AT, 12), rotations=chosen), person=person)


def person_year(routing: Routing, person: str) -> bytes:
    """What ``GET /calendar/TOKEN.ics`` computes for ``person``."""
    duties = person_shifts(routing, person)
    return ics(calendar_events(routing, duties, AT, horizon(AT, 12)), person, AT)


def main() -> int:
    """Load the config, time the three listings, and return 1 if a target fails."""
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="muster-bench-") as folder:
        path = Path(folder) / "routing.yaml"
        path.write_text(generate_config(rng), encoding="utf-8")
        routing = load_config(path, {}).routing
    busiest = max(
        routing.config.people,
        key=lambda person: len(wanted_rotations(routing, person=person) or ()),
    )
    rotation = next(iter(routing.rotations))
    figures = [
        (
            "every rotation now + 2 handoffs",
            median_seconds(lambda: final_shifts(routing, AT)),
            EVERY_ROTATION_TARGET_S,
        ),
        (
            f"{busiest}'s 12 months of final shifts",
            median_seconds(lambda: person_shifts(routing, busiest)),
            PERSON_YEAR_TARGET_S,
        ),
        (
            f"{rotation}'s 12 months of shifts",
            median_seconds(
                lambda: final_shifts(routing, AT, horizon(AT, 12), rotations=frozenset({rotation}))
            ),
            ROTATION_YEAR_TARGET_S,
        ),
    ]
    events = sum(len(duty.shifts) for duty in person_shifts(routing, busiest))
    feed = median_seconds(lambda: person_year(routing, busiest))
    print(f"{busiest}'s whole feed, {events} events as .ics: {feed * 1000:.1f} ms (no target)")
    ok = True
    for what, seconds, target in figures:
        passed = seconds < target
        print(
            f"{what}: {seconds * 1000:.1f} ms (target < {target * 1000:.0f} ms) {verdict(passed)}"
        )
        ok = ok and passed
    print("overall:", verdict(ok))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
