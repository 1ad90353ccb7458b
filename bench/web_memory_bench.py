"""Benchmark: how much memory does one ``muster web`` process hold? (issue 19, "Web memory")

A web process only takes requests and queues messages, yet each one held 120-134 MB resident
after an alert storm, and the README advises several per host. Target: one ``muster web``
process at most 60 MB resident (``VmRSS``) after a 10,000-alert run.

The run: ``muster web`` (one process, the embedded broker in a scratch ``MUSTER_HOME``, or Redis
with ``--broker redis``) takes ``--alerts`` distinct alerts as Alertmanager webhooks of 100
alerts over 4 keep-alive connections, every POST answered 202. Its resident memory is read from
``/proc`` when it first answers, after the run, and at its peak (``VmHWM``).

Beside it, in the same run: the floors (``python -c pass``, and a process that imports only the
web's libraries: uvicorn, starlette, FastAPI and pydantic), and what building the web app
imports (its resident memory, and the libraries loaded that a process that only queues has no
use for), measured in a fresh interpreter. Exits 1 when the target fails. Run from the
repository root::

    .venv/bin/python bench/web_memory_bench.py [--broker embedded|redis] [--alerts 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from itertools import count
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]  # tests.* is not an installed package

from _intake_parts import (  # noqa: E402
    AUTH,
    Connections,
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

from tests.integration.harness import worker_environment  # noqa: E402
from tests.peers.common import free_port  # noqa: E402

TARGET_MB = 60.0
BATCH = 100
THREADS = 4

# Printed by each probe interpreter: its resident memory, and the top-level packages it loaded.
REPORT = """
import json, sys
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
print(json.dumps({"rss_kb": rss, "packages": sorted({m.split(".")[0] for m in sys.modules})}))
"""
PROBES = {
    'python -c "pass"': "",
    "uvicorn, starlette, FastAPI, pydantic imported": (
        "import uvicorn, starlette.applications, fastapi, pydantic"
    ),
    "the web app built (no request served)": (
        "from muster.worker.web.server import built_app\nbuilt_app()"
    ),
    # What the web would hold if worker/log_setup.py took tame_apprise_logging from a module that
    # does not import Apprise (it imports muster.channels.sender, which does): a stand-in module.
    "the same, log_setup not importing Apprise": (
        "import sys, types\n"
        "sender = types.ModuleType('muster.channels.sender')\n"
        "sender.tame_apprise_logging = lambda: None\n"
        "sys.modules['muster.channels.sender'] = sender\n"
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


def megabytes(kilobytes: float) -> str:
    return f"{kilobytes / 1024:6.1f} MB"


def status_kb(pid: int, field: str) -> int:
    """``field`` (``VmRSS``, ``VmHWM``) of process ``pid`` in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(f"{field} not in /proc/{pid}/status")


def private_kb(pid: int) -> int:
    """Pages of process ``pid`` no other process maps (USS), in kB: what another process started
    the same way would add."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    )
    return sum(int(fields[name].split()[0]) for name in ("Private_Clean", "Private_Dirty"))


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
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    return parser.parse_args(argv)


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
        env = worker_environment(base, config, broker, database, queue, PYTHONPATH=str(ROOT))
        cleanup.callback(purge_redis, broker, queue)

        print("\nFloors and imports (fresh interpreters)")
        for label, code in PROBES.items():
            report = probe(code, env)
            loaded = sorted(set(NOT_FOR_THE_WEB) & set(report["packages"]))  # type: ignore[arg-type]
            shown = f"  loads {', '.join(loaded)}" if loaded else ""
            print(f"  {label:<48} {megabytes(report['rss_kb'])}{shown}")  # type: ignore[arg-type]

        web = WebProcess(base, env)
        cleanup.callback(web.stop)
        pid = web.start().pid or 0
        idle = status_kb(pid, "VmRSS")
        work = bodies(args.alerts)
        connections = Connections(web.port)
        load = post_all(connections, "/v1/alertmanager", work, BATCH, THREADS, AUTH, 202)
        connections.close()
        after, peak, own = status_kb(pid, "VmRSS"), status_kb(pid, "VmHWM"), private_kb(pid)
        on_broker = queued(broker, base, queue)
        web.stop()

    problems = load.failures[:5]
    if on_broker != len(work):
        problems.append(f"{on_broker} messages on the broker for {len(work)} POSTs")
    print(f"\nmuster web, one process, {args.alerts} alerts in {len(work)} webhooks of {BATCH}")
    print(f"  resident when it first answered              {megabytes(idle)}")
    print(f"  resident at its peak (VmHWM)                  {megabytes(peak)}")
    print(f"  its own after the run (USS: private pages)    {megabytes(own)}")
    print(f"  alerts/s over the run (informational)        {load.rate:8.0f}")
    for problem in problems:
        print(f"  !! {problem}")
    ok = not problems and after / 1024 <= TARGET_MB
    print(
        f"  resident after the run                        {megabytes(after)}  target <= "
        f"{TARGET_MB:.0f} MB  {'PASS' if ok else 'FAIL'}"
    )
    print(f"  load average at the end: {load_average()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
