"""Benchmark: how much memory does one ``muster web`` process hold? (issue 19, "Web memory")

A web process only takes requests and queues messages, yet each one held 120-134 MB resident
after an alert storm, and the README advises several per host. Target: one ``muster web``
process at most 60 MB resident (``VmRSS``) after a 10,000-alert run.

The run: ``muster web`` (one process, the embedded broker in a scratch ``MUSTER_HOME``, or Redis
with ``--broker redis``) takes ``--alerts`` distinct alerts as Alertmanager webhooks of 100
alerts over 4 keep-alive connections, every POST answered 202. Its resident memory is read from
``/proc`` when it first answers, after the run, and at its peak (``VmHWM``). A second run does
the same with ``muster web --workers 2``, whose processes are forked from the supervisor once it
has imported the app's code: for each process, its resident memory, its proportional share of
the pages it shares (PSS) and its own pages (USS), and the sum of the shares (what the group
costs the machine). The target is judged on the first run's resident memory, as issue 19 words
it; the second run's largest share of a serving process is printed beside the same 60 MB.

The measured processes run as a production install would: what only the dev extras install
is hidden from them (:mod:`bench.lib.production_view`; structlog imports rich and colorama when
it finds them), and the first run is repeated with them importable, for comparison.

Beside it, in the same run: the floors (``python -c pass``, and a process that imports only the
web's libraries: uvicorn, starlette, FastAPI and pydantic), and what building the web app
imports (its resident memory, and the libraries loaded that a process that only queues has no
use for), measured in a fresh interpreter. Exits 1 when the target fails. Run from the
repository root::

    .venv/bin/python -m bench.web_memory_bench [--broker embedded|redis] [--alerts 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from bench.lib.intake_parts import (
    AUTH,
    Connections,
    Load,
    WebProcess,
    alert,
    bench_broker,
    load_average,
    post_all,
    purge_redis,
    queued,
    routing_yaml,
    scratch,
    webhook,
)
from bench.lib.production_view import production_path
from tests.harness.muster_processes import worker_environment
from tests.harness.peers.common import free_port

ROOT = Path(__file__).resolve().parents[1]

TARGET_MB = 60.0
BATCH = 100
THREADS = 4

# Printed by each probe interpreter: its resident memory, and the top-level packages it loaded.
REPORT = """
import json, sys
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
loaded = {name.split(".")[0] for name, module in sys.modules.items() if module is not None}
print(json.dumps({"rss_kb": rss, "packages": sorted(loaded)}))
"""
PROBES = {
    'python -c "pass"': "",
    "uvicorn, starlette, FastAPI, pydantic imported": (
        "import uvicorn, starlette.applications, fastapi, pydantic"
    ),
    "the web app built (no request served)": (
        "from muster.worker.web.server import built_app\nbuilt_app()"
    ),
}
NOT_FOR_THE_WEB = [
    "apprise",
    "requests",
    "sqlalchemy",
    "alembic",
    "celery",
    "kombu",
    "redis",
    "rich",
    "pydantic_settings",
    "phonenumbers",
    "yaml",
]
"""Libraries that a process that takes requests and queues messages could do without, or need
only for one route (SQLAlchemy: ``/readyz`` and Acknowledge links; kombu: the broker), shown when
building the app loaded them."""


DEV_ONLY_SHOWN = ("rich", "pygments", "colorama", "attr", "pytest")
"""Of the modules hidden from the measured processes, those the output names: what structlog
imports when it finds them installed."""


def megabytes(kilobytes: float) -> str:
    return f"{kilobytes / 1024:6.1f} MB"


def status_kb(pid: int, field: str) -> int:
    """``field`` (``VmRSS``, ``VmHWM``) of process ``pid`` in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(f"{field} not in /proc/{pid}/status")


def probe(code: str, env: dict[str, str]) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; its resident memory and loaded packages."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code + "\n" + REPORT],
        env=env,
        cwd=env["MUSTER_HOME"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"probe failed: {done.stderr[-2000:]}")
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def bodies(alerts: int) -> list[bytes]:
    """``alerts`` new distinct alerts as Alertmanager webhooks of :data:`BATCH` (a group each)."""
    run, seqs = uuid.uuid4().hex[:8], count()
    out = []
    for number in range(alerts // BATCH):
        group = f"MemoryBench{number:05d}"
        out.append(json.dumps(webhook([alert(run, group, next(seqs)) for _ in range(BATCH)])))
    return [body.encode() for body in out]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker", choices=["embedded", "redis"], default="embedded")
    parser.add_argument("--redis-db", type=int, default=int(os.environ.get("TEST_REDIS_DB", "0")))
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="processes of the second run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    return parser.parse_args(argv)


@dataclass
class Memory:
    """One process's memory, in kB: resident, proportional share (PSS: each shared page
    divided among the processes mapping it) and its own pages (USS)."""

    rss: int
    pss: int
    uss: int

    @classmethod
    def of(cls, pid: int) -> Memory:
        fields = smaps_rollup(pid)
        own = sum(fields[name] for name in ("Private_Clean", "Private_Dirty"))
        return cls(status_kb(pid, "VmRSS"), fields["Pss"], own)

    def line(self, label: str) -> str:
        return (
            f"  {label:<30} resident {megabytes(self.rss)}  share (PSS) {megabytes(self.pss)}"
            f"  own (USS) {megabytes(self.uss)}"
        )


def smaps_rollup(pid: int) -> dict[str, int]:
    """``/proc/PID/smaps_rollup``'s sizes in kB, by name."""
    lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    return {name: int(value.split()[0]) for name, value in (line.split(":", 1) for line in lines)}


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:  # gone meanwhile
            continue
        if f"\nPPid:\t{pid}\n" in text:
            found.append(int(status.parent.name))
    return sorted(found)


@dataclass
class Run:
    """One run of ``muster web`` through the alerts: its processes' memory after it."""

    load: Load
    on_broker: int
    posts: int
    memory: dict[str, Memory] = field(default_factory=dict)
    idle: int = 0
    peak: int = 0

    @property
    def problems(self) -> list[str]:
        problems = self.load.failures[:5]
        if self.on_broker != self.posts:
            problems.append(f"{self.on_broker} messages on the broker for {self.posts} POSTs")
        return problems


def run(web: WebProcess, alerts: int, broker: str | None, queue: str) -> Run:
    """``alerts`` through ``web`` (started here, stopped after), its memory read after."""
    pid = web.start().pid or 0
    idle = status_kb(pid, "VmRSS")
    work = bodies(alerts)
    connections = Connections(web.port)
    load = post_all(connections, "/v1/alertmanager", work, BATCH, THREADS, AUTH, 202)
    connections.close()
    done = Run(load, queued(broker, web.home, queue), len(work), idle=idle)
    done.peak = status_kb(pid, "VmHWM")
    serving = children(pid)
    done.memory["the process" if not serving else "the supervisor"] = Memory.of(pid)
    for number, child in enumerate(serving, 1):
        done.memory[f"process {number}"] = Memory.of(child)
    web.stop()
    return done


def empty_broker(broker: str | None, home: Path, queue: str) -> None:
    """Delete what a run queued, so the next run's count is its own."""
    purge_redis(broker, queue)
    if broker is None:
        shutil.rmtree(home / "broker", ignore_errors=True)


def print_floors(env: dict[str, str]) -> None:
    print("\nFloors and imports (fresh interpreters)")
    for label, code in PROBES.items():
        report = probe(code, env)
        loaded = sorted(set(NOT_FOR_THE_WEB) & set(report["packages"]))  # type: ignore[arg-type]
        shown = f"  loads {', '.join(loaded)}" if loaded else ""
        print(f"  {label:<48} {megabytes(report['rss_kb'])}{shown}")  # type: ignore[arg-type]


def report_one(single: Run, installed_here: Run, alerts: int) -> bool:
    """The one process's figures; whether it meets the target."""
    print(f"\nmuster web, one process, {alerts} alerts in webhooks of {BATCH}")
    print(f"  resident when it first answered              {megabytes(single.idle)}")
    print(f"  resident at its peak (VmHWM)                  {megabytes(single.peak)}")
    print(f"  alerts/s over the run (informational)        {single.load.rate:8.0f}")
    for label, memory in single.memory.items():
        print(memory.line(label))
    resident = single.memory["the process"].rss
    ok = not single.problems and resident / 1024 <= TARGET_MB
    print(
        f"  resident after the run                        {megabytes(resident)}  target <= "
        f"{TARGET_MB:.0f} MB  {'PASS' if ok else 'FAIL'}"
    )
    print(
        f"  the same run with the dev extras importable   "
        f"{megabytes(installed_here.memory['the process'].rss)}  (informational)"
    )
    return ok


def report_forked(forked: Run, workers: int, alone: int) -> None:
    print(f"\nmuster web --workers {workers} (forked from the supervisor), the same run")
    print(f"  alerts/s over the run (informational)        {forked.load.rate:8.0f}")
    for label, memory in forked.memory.items():
        print(memory.line(label))
    serving = [memory for label, memory in forked.memory.items() if label != "the supervisor"]
    total = sum(memory.pss for memory in forked.memory.values())
    print(
        f"  all {len(forked.memory)} together (sum of PSS)                {megabytes(total)}"
        f"  (one process alone: {megabytes(alone)})"
    )
    largest = max((memory.rss for memory in forked.memory.values()), default=0)
    print(
        f"  largest resident of the {len(forked.memory)} processes            {megabytes(largest)}"
        f"  target <= {TARGET_MB:.0f} MB  "
        f"{'PASS' if not forked.problems and largest / 1024 <= TARGET_MB else 'FAIL'}"
    )
    share = max((memory.pss for memory in serving), default=0)
    shared_ok = not forked.problems and serving and share / 1024 <= TARGET_MB
    print(
        f"  largest share of a serving process (PSS)     {megabytes(share)}  target <= "
        f"{TARGET_MB:.0f} MB  {'PASS' if shared_ok else 'FAIL'}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    broker = bench_broker(args.broker, args.redis_db)
    print("muster web memory benchmark")
    print(f"  load average at start: {load_average()}")
    print(f"  broker: {broker or 'embedded (filesystem, in a scratch MUSTER_HOME)'}")
    with ExitStack() as cleanup:
        base = scratch(cleanup, "muster-web-memory-bench-", args.keep)
        config = base / "routing.yaml"
        config.write_text(routing_yaml(free_port()))
        queue = f"muster-web-memory-bench-{uuid.uuid4().hex[:8]}"
        database = f"sqlite:///{base / 'muster.db'}"
        here = worker_environment(base, config, broker, database, queue, PYTHONPATH=str(ROOT))
        view, hidden = production_path(base / "production-view")
        env = {**here, "PYTHONPATH": f"{view}{os.pathsep}{ROOT}"}
        cleanup.callback(purge_redis, broker, queue)
        print(
            f"  as a production install: {len(hidden)} modules only the dev extras install are"
            f" hidden ({', '.join(name for name in hidden if name in DEV_ONLY_SHOWN)}, ...)"
        )

        print_floors(env)

        one = WebProcess(base, env)
        cleanup.callback(one.stop)
        single = run(one, args.alerts, broker, queue)
        empty_broker(broker, base, queue)
        with_dev = WebProcess(base, here)
        cleanup.callback(with_dev.stop)
        installed_here = run(with_dev, args.alerts, broker, queue)
        empty_broker(broker, base, queue)
        several = WebProcess(base, env, workers=args.workers)
        cleanup.callback(several.stop)
        forked = run(several, args.alerts, broker, queue)

    ok = report_one(single, installed_here, args.alerts)
    report_forked(forked, args.workers, single.memory["the process"].rss)
    for problem in single.problems + installed_here.problems + forked.problems:
        print(f"  !! {problem}")
    print(f"  load average at the end: {load_average()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
