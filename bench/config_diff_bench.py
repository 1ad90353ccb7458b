"""Benchmark: does ``muster config diff`` answer a large organisation's pull request quickly?

On routing_bench's seeded config (10,000 people, 1,000 services, 2,000 rotations, ~200
overrides) and an edit of it (a member added to 50 rotations, 20 handoffs moved an hour, 20
overrides added, one matrix cell changed), this times, as the median of a few runs, what the
command does after reading the two files: both configs loaded, then the diff over 14 days (risks,
shifts, first pages, every page of the escalation chains at each step, windows, heartbeats,
policy) and its markdown. Issue 24's target for the whole: < 10 s. The
diff alone is printed beside it.

It exits non-zero when the target fails.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from bench.routing_bench import SEED, generate_config, verdict
from muster.config.loader import load_text
from muster.worker.core.checks.diff.changes import ConfigDiff, config_diff
from muster.worker.core.checks.diff.report import diff_markdown

RUNS = 3
AT = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
FORTNIGHT = timedelta(days=14)
WHOLE_TARGET_S = 10.0


def edited(text: str, rng: random.Random) -> str:
    """The config after a large review's worth of edits."""
    document: dict[str, Any] = yaml.safe_load(text)
    rotations = document["rotations"]
    people = list(document["people"])
    turning = sorted(name for name, rotation in rotations.items() if rotation.get("every"))
    for name in rng.sample(turning, 50):
        rotations[name]["members"].append(rng.choice(people))
    for name in rng.sample([name for name in turning if rotations[name].get("handoff")], 20):
        day, _, clock = str(rotations[name]["handoff"]).rpartition(" ")
        hour = (int(clock[:2]) + 1) % 24
        rotations[name]["handoff"] = f"{day} {hour:02}{clock[2:]}".strip()
    for _ in range(20):
        starts = AT + timedelta(hours=rng.randrange(14 * 24))
        document["overrides"].append(
            {
                "rotation": rng.choice(sorted(rotations)),
                "person": rng.choice(people),
                "from": f"{starts:%Y-%m-%dT%H:%M}",
                "until": f"{starts + timedelta(hours=rng.randint(4, 48)):%Y-%m-%dT%H:%M}",
            }
        )
    matrix = document["severity"]["matrix"]
    row = next(iter(matrix.values()))
    first = next(iter(row))
    row[first] = next(level for level in document["severity"]["levels"] if level != row[first])
    return yaml.safe_dump(document, sort_keys=False)


def whole(old_text: str, new_text: str) -> tuple[ConfigDiff, str]:
    """What ``muster config diff OLD NEW --format markdown`` computes after reading the files."""
    old = load_text(old_text, "old.yaml", {}).routing
    new = load_text(new_text, "new.yaml", {}).routing
    changes = config_diff(old, new, AT, FORTNIGHT)
    names = {key: person.name for key, person in new.config.people.items()}
    return changes, diff_markdown(changes, names, new.config.zone)


def main() -> int:
    """Generate the config and its edit, time the diff, and return 1 if the target fails."""
    rng = random.Random(SEED)
    old_text = generate_config(rng)
    new_text = edited(old_text, rng)
    old = load_text(old_text, "old.yaml", {}).routing
    new = load_text(new_text, "new.yaml", {}).routing
    times, alone, cpu = [], [], []
    for _ in range(RUNS):
        began, used = time.perf_counter(), time.process_time()
        changes, markdown = whole(old_text, new_text)
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - used)
        began = time.perf_counter()
        config_diff(old, new, AT, FORTNIGHT)
        alone.append(time.perf_counter() - began)
    seconds = statistics.median(times)
    print(
        f"the edit: {len(changes.shifts)} shift claims, {len(changes.pages.first)} first-page"
        f" and {len(changes.pages.chains)} page claims, {len(changes.policy)} policy changes,"
        f" {len(changes.risks)} new risks; {len(markdown.splitlines())} markdown lines"
    )
    print(f"the diff alone (configs loaded): {statistics.median(alone):.2f} s (no target)")
    passed = seconds < WHOLE_TARGET_S
    print(
        f"two loads, diff over 14 days, markdown: {seconds:.2f} s"
        f" (target < {WHOLE_TARGET_S:.0f} s) {verdict(passed)};"
        f" its CPU time {statistics.median(cpu):.2f} s (on a shared machine, what it would take"
        " alone)"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
