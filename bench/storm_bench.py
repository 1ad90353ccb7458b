"""An alert storm through muster end to end: 10,000 alerts in 1,000 Alertmanager groups over 20
services, posted as Alertmanager would post them, through ``muster web`` to a worker and a beat.

Each group is one webhook POST of its 10 alerts (version 4, ``group_by: [alertname]``) to
``/v1/alertmanager``, from 4 keep-alive client threads, as fast as the web answers. One group in
50 is critical (SEV1, the highest severity: the commander and the service's SME by sms and chat),
the rest minor (SEV2: the SME by sms and chat). Every page is a ``json://`` POST to a local sink,
which files it under its contact kind and person as it arrives. Printed side by side with their
targets, in one run:

- pages per person per 15 minutes, by kind: at most the limit (sms 5, chat 20 by default), and
  for the commander the SEV1 first pages on top (never held, by design);
- the first SEV1 page's delay after the storm starts (target <= 1 s), and after its own POST;
- how long until the broker's queue drains and every delivery is settled (sent or held);
- peak RSS (VmHWM, summed over each process group) of the web, the worker and the beat.

The digests themselves come at the window's end, 15 real minutes later: the bench does not wait
for them (the clocked tests do, in no time); it reports how many pages were held for them.

    .venv/bin/python -m bench.storm_bench [--broker redis|embedded] [--database postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select

from bench.lib.intake_parts import (
    AUTH,
    TOKEN,
    Connections,
    WebProcess,
    now_text,
    post_all,
    purge_redis,
    queued,
    webhook,
)
from bench.lib.processes import PRODUCTION
from bench.lib.report import code_under_test
from muster.worker.store.models import Delivery, Incident
from tests.harness.muster_processes import MusterBeat, MusterWorker, worker_environment
from tests.harness.peers.common import HOST
from tests.harness.servers import REDIS_URL, postgres_database

ROOT = Path(__file__).resolve().parents[1]

SERVICES = 20
GROUPS = 1000
PER_GROUP = 10
SEV1_EVERY = 50  # one group in 50 is critical
THREADS = 4
FIRST_SEV1_TARGET_S = 1.0
DRAIN_TIMEOUT_S = 600.0
WINDOW_S = 15 * 60


def routing_yaml(sink_port: int) -> str:
    """20 services, each with its own SME; a commander for SEV1s; sms and chat to the sink;
    the default limits (sms 5, chat 20 per 15 minutes)."""
    people = "\n".join(
        f"  p{n:02d}: {{name: Person {n}, sms: p{n:02d}, chat: p{n:02d}}}" for n in range(SERVICES)
    )
    services = "\n".join(f"  s{n:02d}: {{smes: r{n:02d}}}" for n in range(SERVICES))
    rotations = "\n".join(f"  r{n:02d}: {{members: [p{n:02d}]}}" for n in range(SERVICES))
    return f"""# Written by bench/storm_bench.py (a scratch folder): bench token, local sink only.
version: 1
timezone: UTC
severity:
  impacts: [critical, minor]
  urgencies: [high, low]
  matrix:
    critical: {{high: SEV1, low: SEV2}}
    minor: {{high: SEV2, low: SEV2}}
  levels:
    SEV1: {{page: [incident_commander, sme], via: [sms, chat], ack_within: 30m}}
    SEV2: {{page: [sme], via: [sms, chat], ack_within: 30m}}
roles:
  incident_commander: {{rotation: commanders}}
services:
{services}
fallback_service: s00
rotations:
  commanders: {{members: [ic]}}
{rotations}
people:
  ic: {{name: Commander, sms: ic, chat: ic}}
{people}
contacts:
  sms: "json://{HOST}:{sink_port}/sms/{{sms}}"
  chat: "json://{HOST}:{sink_port}/chat/{{chat}}"
intake:
  callers:
    alertmanager: {{token: "{TOKEN}"}}
  rules:
    - {{match: {{severity: critical}}, impact: critical, urgency: high}}
  defaults: {{impact: minor, urgency: high}}
"""


def storm_bodies(run: str) -> list[tuple[bool, bytes]]:
    """Each group's webhook body, in posting order, and whether it is a SEV1."""
    bodies = []
    for group in range(GROUPS):
        critical = group % SEV1_EVERY == SEV1_EVERY // 5  # the first one is the 11th POST
        name = f"Storm{run}G{group:04d}"
        alerts = [
            {
                "labels": {
                    "alertname": name,
                    "instance": f"node-{group:04d}-{n}:9100",
                    "severity": "critical" if critical else "warning",
                    "service": f"s{group % SERVICES:02d}",
                },
                "annotations": {"summary": f"{name} error rate high"},
                "startsAt": now_text(),
                "generatorURL": "http://127.0.0.1:9090/graph",
            }
            for n in range(PER_GROUP)
        ]
        bodies.append((critical, json.dumps(webhook(alerts)).encode()))
    return bodies


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


class Sink:
    """Answers 200; files each page's arrival under (kind, person), and notes SEV1 pages."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages: Counter[tuple[str, str]] = Counter()
        self.first_sev1: float | None = None
        self.total = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                at = time.perf_counter()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                kind, _, person = self.path.strip("/").partition("/")
                with sink.lock:
                    sink.total += 1
                    sink.pages[(kind, person)] += 1
                    if sink.first_sev1 is None and b"SEV1" in body:
                        sink.first_sev1 = at

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = _Server((HOST, 0), Handler)
        self.port: int = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


def group_rss_mib(pgid: int | None) -> float:
    """Peak resident set (VmHWM) of every process in group ``pgid``, summed, in MiB."""
    if pgid is None:
        return float("nan")
    total_kib = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) != pgid:
                continue
            found = re.search(r"^VmHWM:\s+(\d+) kB", (entry / "status").read_text(), re.M)
        except (OSError, ValueError):
            continue
        total_kib += int(found.group(1)) if found else 0
    return total_kib / 1024


def settled(database: str) -> tuple[bool, Counter[str]]:
    """Whether every incident is fanned out and no delivery waits to be sent; the statuses."""
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            statuses = Counter(
                dict(
                    connection.execute(
                        select(Delivery.status, func.count()).group_by(Delivery.status)
                    ).all()
                )
            )
            open_fan_outs = connection.execute(
                select(func.count()).select_from(Incident).where(Incident.fanned_out.is_(False))
            ).scalar_one()
            incidents = connection.execute(select(func.count()).select_from(Incident)).scalar_one()
    finally:
        engine.dispose()
    waiting = statuses["pending"] + statuses["sending"]
    return (incidents >= GROUPS and open_fan_outs == 0 and waiting == 0), statuses


@contextmanager
def database_url(kind: str, home: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{home / 'muster.db'}"
    else:
        with postgres_database() as url:
            yield url


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker", choices=("redis", "embedded"), default="redis")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and logs")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="muster-storm-bench-"))
    broker = REDIS_URL if args.broker == "redis" else None
    queue = f"muster-storm-bench-{uuid.uuid4().hex[:8]}"
    sink = Sink()
    sink.thread.start()
    config = home / "routing.yaml"
    config.write_text(routing_yaml(sink.port))
    run = uuid.uuid4().hex[:6]
    bodies = storm_bodies(run)
    with ExitStack() as cleanup, database_url(args.database, home) as database:
        cleanup.callback(purge_redis, broker, queue)
        env = worker_environment(
            home, config, broker, database, queue, PYTHONPATH=str(ROOT), **PRODUCTION
        )
        env.pop("MUSTER_METRICS_PORT", None)
        worker = MusterWorker(home=home, env=env, beat=False)
        cleanup.callback(worker.stop)
        worker.start(timeout=90)
        beat = MusterBeat(home=home, env=env)
        cleanup.callback(beat.stop)
        beat.start(timeout=60)
        web = WebProcess(home, env)
        cleanup.callback(web.stop)
        web.start()
        first_critical = next(n for n, (critical, _) in enumerate(bodies) if critical)
        print(f"storm_bench: {code_under_test(ROOT)}")
        print(
            f"  {GROUPS * PER_GROUP:,} alerts in {GROUPS:,} groups over {SERVICES} services, "
            f"{THREADS} client threads, broker {args.broker}, database {args.database}"
        )
        started = time.perf_counter()
        connections = Connections(web.port)
        cleanup.callback(connections.close)
        load = post_all(
            connections,
            "/v1/alertmanager",
            [body for _, body in bodies],
            PER_GROUP,
            THREADS,
            AUTH,
            202,
        )
        posted = time.perf_counter()
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        drained_at, statuses = None, Counter[str]()
        while time.monotonic() < deadline:
            done, statuses = settled(database)
            if done and queued(broker, home, queue) == 0:
                drained_at = time.perf_counter()
                break
            time.sleep(0.25)
        rss = {
            "web": group_rss_mib(web.pid),
            "worker": group_rss_mib(worker.process.pid if worker.process else None),
            "beat": group_rss_mib(beat.process.pid if beat.process else None),
        }
        elapsed = (drained_at or time.perf_counter()) - started
        report(sink, load, started, posted, drained_at, statuses, rss, first_critical, elapsed)
        if args.keep:
            print(f"  kept {home}")
    return 0 if drained_at is not None and not load.failures else 1


def report(
    sink: Sink,
    load: Any,
    started: float,
    posted: float,
    drained_at: float | None,
    statuses: Counter[str],
    rss: dict[str, float],
    first_critical: int,
    elapsed: float,
) -> None:
    def row(what: str, value: str, target: str, ok: bool | None = None) -> None:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"  {what:<44} {value:>16}   {target:<28} {verdict}")

    print(
        f"  posted in {posted - started:.2f} s ({load.alerts / (posted - started):,.0f} alerts/s)"
    )
    if load.failures:
        print(f"  POST failures: {load.failures[:3]}")
    within = elapsed <= WINDOW_S
    print(f"\n  {'':<44} {'measured':>16}   target")
    by_kind: dict[str, list[int]] = {}
    for (kind, person), count in sink.pages.items():
        if person != "ic":
            by_kind.setdefault(kind, []).append(count)
    for kind, limit in (("sms", 5), ("chat", 20)):
        counts = by_kind.get(kind, [0])
        row(
            f"{kind} pages per SME per 15 min (max, min)",
            f"{max(counts)}, {min(counts)}",
            f"<= {limit} (the limit)",
            max(counts) <= limit if within else None,
        )
    sev1s = GROUPS // SEV1_EVERY
    for kind, limit in (("sms", 5), ("chat", 20)):
        count = sink.pages[(kind, "ic")]
        first_pages = sev1s if kind == "sms" else 0  # the first page of a SEV1 is the IC's sms
        row(
            f"{kind} pages to the commander per 15 min",
            str(count),
            f"<= {limit} + {first_pages} SEV1 first pages",
            count <= limit + first_pages if within else None,
        )
    first = sink.first_sev1
    post_share = (posted - started) * first_critical / GROUPS
    row(
        "first SEV1 page after the storm starts",
        f"{first - started:.3f} s" if first else "none",
        f"<= {FIRST_SEV1_TARGET_S:.1f} s",
        first is not None and first - started <= FIRST_SEV1_TARGET_S,
    )
    if first:
        row(
            f"  after its own POST (#{first_critical + 1}, ~{post_share:.3f} s in)",
            f"{first - started - post_share:.3f} s",
            "(estimated: POSTs evenly spread)",
        )
    row(
        "broker queue drained, deliveries settled",
        f"{drained_at - started:.1f} s" if drained_at else f"> {DRAIN_TIMEOUT_S:.0f} s",
        "(after the storm starts)",
    )
    for name, mib in rss.items():
        row(f"peak RSS, {name} (process group)", f"{mib:.0f} MiB", "")
    pages = sum(sink.pages.values())
    print(
        f"\n  pages sent {pages:,} ({sink.total:,} POSTs at the sink); deliveries by status: "
        + ", ".join(f"{status} {count:,}" for status, count in sorted(statuses.items()))
    )
    print(
        "  held pages wait for their digests, one per person and kind at the window's end "
        "(15 min after each window opened; not waited for here)"
    )
    if not within:
        print("  (the run took longer than 15 min: per-window counts are not judged)")


if __name__ == "__main__":
    raise SystemExit(main())
