"""What the delivery bench prints: the floors, muster's figures, and each target's verdict."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.lib.delivery_floors import Floors
from bench.lib.delivery_muster import MusterResult
from bench.lib.sink import ms

LATENCY_FACTOR = 1.5
THROUGHPUT_SHARE = 0.80  # issue 19 (was 0.60)


@dataclass(frozen=True)
class Verdict:
    """One target on one broker: what was measured, the limit, and whether it held."""

    label: str
    target: str
    measured: str
    limit: str
    ok: bool


def code_under_test(root: Path) -> str:
    """Which tree the workers run: the repository's commit (and whether it is edited)."""

    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "-C", str(root), *args],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        edited = git("status", "--porcelain", "--", "worker", "channels", "config").splitlines()
    except (OSError, subprocess.CalledProcessError):
        return f"{root} (not a git checkout)"
    return f"{root} at {commit}" + (f" with {len(edited)} edited files" if edited else "")


def print_floors(floors: Floors, pooled: float, threads: int, sqlite: bool) -> None:
    apprise, ping, commits = floors.apprise, floors.ping, floors.commits
    print("  floors, sampled between muster's incidents (same minutes as muster's samples):")
    print(
        f"    A raw Apprise send (fresh objects, json:// to the sink): {apprise.latencies.line()}"
    )
    print(
        f"      sequential chunks around the bursts: {apprise.rate:6.1f} sends/s "
        f"({apprise.chunk_sends} sends, CPU {ms(apprise.cpu_per_send).strip()}/send incl. the "
        f"sink); {threads} threads before: {pooled:6.1f} sends/s"
    )
    if apprise.failures:
        print(f"      !! {apprise.failures} raw sends failed")
    print(f"    B trivial Celery task RTT (send -> GET at sink): {ping.rtt.line()}")
    if ping.lost:
        print(f"      !! {ping.lost} pings did not arrive within 10 s")
    database = "SQLite" if sqlite else "PostgreSQL"
    print(f"    C one durable commit on {database} (muster's engine): {commits.latencies.line()}")


def judge(
    label: str, floors: Floors, result: MusterResult, expected: int, burst: int
) -> list[Verdict]:
    """Print muster's figures and the two targets for one broker; return the verdicts."""
    print("  muster worker --beat -c 8:")
    print(f"    (a) declare -> first page  {result.first_page.line()}")
    print(f"        declare -> first POST  {result.first_any.line()}")
    print(f"        declare -> all {expected}      {result.all_pages.line()}")
    state = "complete" if result.burst_complete else "INCOMPLETE"
    print(
        f"    (b) bursts, {burst} incidents: {result.burst_deliveries} deliveries in "
        f"{result.burst_seconds:.2f} s = {result.rate:.1f} deliveries/s ({state})"
    )
    print(f"        declare -> each incident's first page {result.burst_first_page.line()}")
    print(
        f"    worker CPU: {result.latency_cpu_per_incident * 1000:.0f} ms per incident one at a "
        f"time; {ms(result.burst_cpu_per_delivery).strip()} per delivery in the bursts "
        f"(= {1 / result.burst_cpu_per_delivery:.0f} deliveries per CPU-second)"
    )
    print(
        f"    duplicates: {result.duplicates}; deliveries not 'sent' in the database: "
        f"{result.unsettled}; worker error lines: {len(result.error_lines)}"
    )
    for line in result.error_lines[:3]:
        print(f"      {line[:300]}")
    rtt, commit, send = (
        floors.ping.rtt.p50,
        floors.commits.latencies.p50,
        floors.apprise.latencies.p50,
    )
    latency_target = LATENCY_FACTOR * (rtt + commit + send)
    rate_target = THROUGHPUT_SHARE * floors.apprise.rate
    latency_ok = result.first_page.p50 <= latency_target
    rate_ok = result.burst_complete and result.rate >= rate_target
    print("  targets:")
    print(
        f"    first-page p50 {ms(result.first_page.p50).strip()} <= {LATENCY_FACTOR} x (RTT "
        f"{ms(rtt).strip()} + commit {ms(commit).strip()} + Apprise {ms(send).strip()}) = "
        f"{ms(latency_target).strip()}   {'PASS' if latency_ok else 'FAIL'}"
    )
    print(
        f"    throughput {result.rate:.1f}/s >= {THROUGHPUT_SHARE:.0%} x "
        f"{floors.apprise.rate:.1f}/s = {rate_target:.1f}/s   {'PASS' if rate_ok else 'FAIL'}"
    )
    return [
        Verdict(
            label,
            "first-page p50",
            ms(result.first_page.p50).strip(),
            f"<= {ms(latency_target).strip()}",
            latency_ok,
        ),
        Verdict(label, "deliveries/s", f"{result.rate:.1f}/s", f">= {rate_target:.1f}/s", rate_ok),
    ]


def print_summary(verdicts: list[Verdict], seconds: float) -> None:
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nSummary ({seconds:.0f} s; load average at the end: {load})")
    for verdict in verdicts:
        print(
            f"  {verdict.label:13s} {verdict.target:15s} {verdict.measured:>10s} "
            f"{verdict.limit:>13s}   {'PASS' if verdict.ok else 'FAIL'}"
        )
