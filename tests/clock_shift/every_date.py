"""Run the whole test suite at each instant a calendar can trip on, and print one line each.

``make test-dates``. Each run shifts the wall clock of pytest and of every process it starts
(``sitecustomize.py`` in this folder), so rotations, timers and brokers all see that date.
Arguments given to this script go to pytest.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
DUBLIN = ZoneInfo("Europe/Dublin")  # the demo config's timezone


def before_next_monday_handoff(now: datetime) -> datetime:
    """One second before the next Monday 09:00 in Dublin: the demo's weekly handoffs."""
    local = now.astimezone(DUBLIN)
    days = (0 - local.weekday()) % 7
    handoff = (local + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
    if handoff <= local:
        handoff += timedelta(days=7)
    return handoff.astimezone(UTC) - timedelta(seconds=1)


def dst_changes(year: int) -> list[datetime]:
    """The instants Dublin's UTC offset changes in ``year`` (spring forward, fall back)."""
    changes = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    while moment.year == year:
        following = moment + timedelta(hours=1)
        if moment.astimezone(DUBLIN).utcoffset() != following.astimezone(DUBLIN).utcoffset():
            changes.append(following)
        moment = following
    return changes


def shifts(now: datetime) -> list[tuple[str, str]]:
    spring, autumn = dst_changes(2027)
    return [
        ("317 hours from now", "+317h"),
        ("1 s before a Monday 09:00 Dublin handoff", _rfc3339(before_next_monday_handoff(now))),
        ("2027 spring forward, Dublin", _rfc3339(spring)),
        ("2027 fall back, Dublin", _rfc3339(autumn)),
        ("2028-02-29 12:00 UTC", "2028-02-29T12:00:00Z"),
    ]


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def main(pytest_args: list[str]) -> int:
    rows = []
    for label, shift in shifts(datetime.now(UTC)):
        env = {key: value for key, value in os.environ.items() if not key.startswith("TEST_CLOCK")}
        env.update(PYTHONPATH=str(HERE), TEST_CLOCK_SHIFT=shift)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        summary = _summary(result.stdout)
        rows.append((label, shift, summary, time.monotonic() - started, result.returncode))
        print(f"{label:<42} {shift:<22} {summary}  ({rows[-1][3]:.0f} s)", flush=True)
        if result.returncode:
            print(result.stdout[-6000:], flush=True)
    return max(code for *_, code in rows)


def _summary(output: str) -> str:
    lines = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    return lines[-1].strip("= ") if lines else "no summary: " + output[-200:]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
