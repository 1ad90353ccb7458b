"""Benchmark: does muster page at the speed of providers that answer slowly?

Real providers answer in 100 ms to a few seconds (an SMS or chat API 0.1-0.5 s, an SMTP relay
with TLS a second or more); what bounds a worker then is how many sends it keeps on the wire,
not its CPU. A storm of 40 SEV1s declared at once, each paging 5 people by SMS and chat and
telling the incident room (440 sends), reaches local peers that hold every request for a
delay: HTTP sinks (``json://``, :mod:`bench.lib.sink`) answering after 0.3 s and after 1 s, and
an SMTP server taking 1 s per message (:mod:`bench.lib.slow_peers`; then the SEV1s page by email and
chat). muster runs as the Procfile runs it, ``muster worker --concurrency 8`` and ``muster
beat``, with every setting at its default, on each broker: embedded + SQLite, Redis and
RabbitMQ + PostgreSQL. Targets (issue 19), each printed beside its floor:

* every send of the storm reaches its peer within 4 x the delay + 1 s of the first declaration;
* each incident's first page within the delay + 0.5 s of its own declaration;
* a fast peer keeps its latency: with SMS (and rooms) slow and chat answering at once, chat's
  latency stays within 0.5 s of a storm where both answer at once (same run, same worker);
* sends on the wire bounded by the settings that bound them (``MUSTER_SEND_THREADS`` per
  process, ``MUSTER_SEND_PER_PROVIDER`` per provider): the peers' own count of requests held;
* memory: the worker's peak RSS after a storm of 200 SEV1s at 1 s (2,200 sends, thousands
  taken on at once) within 64 MiB of its peak after the warm-up.

    .venv/bin/python -m bench.slow_provider_bench [--brokers embedded,redis,rabbitmq]
        [--delays 0.3,1] [--incidents 40] [--big 200]

It stops every process it started, drops its PostgreSQL databases, and exits 1 when a target
fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.lib.processes import PRODUCTION, muster_env
from bench.lib.report import code_under_test
from bench.lib.sink import Gauge, Sink, percentile
from bench.lib.slow_peers import SlowSmtp
from muster.config.settings import Settings
from muster.worker.client import Client
from tests.harness.muster_processes import MusterBeat, MusterWorker, worker_environment
from tests.harness.servers import RABBITMQ_URL, REDIS_URL, port_open, postgres_database, purge

ROOT = Path(__file__).resolve().parents[1]

PEOPLE = 5
BROKERS = {"embedded": None, "redis": REDIS_URL, "rabbitmq": RABBITMQ_URL}
PORTS = {"redis": 6379, "rabbitmq": 5672}
STORM_TIMEOUT_S = 60.0
FAST_MARGIN_S = 0.5
MEMORY_MARGIN_MIB = 64.0


def routing_yaml(sms: Sink, chat: Sink, smtp: SlowSmtp) -> str:
    """SEV1 pages 5 people by SMS then chat; SEV1M by email then chat; rooms on the SMS sink."""
    roles = [f"role{i}" for i in range(1, PEOPLE + 1)]
    people = [f"p{i}" for i in range(1, PEOPLE + 1)]
    page = ", ".join(roles)
    lines = [
        "# Written by python -m bench.slow_provider_bench.",
        "version: 1",
        "timezone: UTC",
        "severity:",
        "  impacts: [critical, mail]",
        "  urgencies: [high]",
        "  matrix: {critical: {high: SEV1}, mail: {high: SEV1M}}",
        "  levels:",
        f"    SEV1: {{page: [{page}], via: [sms, chat], ack_within: 30m}}",
        f"    SEV1M: {{page: [{page}], via: [email, chat], ack_within: 30m}}",
        "roles:",
        *(f"  {role}: {{rotation: r-{role}}}" for role in roles),
        "services:",
        "  svc: {smes: r-role1}",
        "fallback_service: svc",
        "rotations:",
        *(f"  r-{role}: {{members: [{p}]}}" for role, p in zip(roles, people, strict=True)),
        "people:",
        *(
            f"  {p}: {{name: Person {p}, email: {p}@example.test, sms: {p}, chat: {p}}}"
            for p in people
        ),
        "contacts:",
        f'  sms: "json://127.0.0.1:{sms.port}/sms/{{sms}}"',
        f'  chat: "json://127.0.0.1:{chat.port}/chat/{{chat}}"',
        f'  email: "{smtp.url_template()}"',
        "broadcasts:",
        f'  incident_room: "json://127.0.0.1:{sms.port}/room/incidents"',
        "limits:",  # none: every page of the storm is sent (storm control is another bench's)
        "  default: null",
        "  kinds: {sms: null}",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Peers:
    """The three peers and the gauges counting what is on the wire to them."""

    total: Gauge
    sms: Sink
    chat: Sink
    smtp: SlowSmtp

    def delays(self, sms: float, chat: float, smtp: float = 1.0) -> None:
        self.sms.delay, self.chat.delay, self.smtp.delay = sms, chat, smtp
        for gauge in (self.total, self.sms.gauge, self.chat.gauge, self.smtp.gauge):
            gauge.peak = gauge.now


@dataclass
class Storm:
    """One storm's figures (seconds)."""

    label: str
    all_out: float
    first_pages: list[float]
    chat: list[float]
    complete: bool
    on_wire: int
    busiest_peer: int


@dataclass
class Deployment:
    client: Client
    worker: MusterWorker
    peers: Peers

    def storm(self, label: str, incidents: int, impact: str = "critical") -> Storm:
        peers = self.peers
        first_peer = peers.smtp if impact == "mail" else peers.sms
        declared: dict[str, float] = {}
        began = time.perf_counter()
        for _ in range(incidents):
            incident_id = f"inc-{uuid.uuid4().hex[:12]}"
            declared[incident_id] = time.perf_counter()
            self.client.declare(
                incident_id=incident_id,
                title=f"Storm {incident_id}",
                impact=impact,
                urgency="high",
                services=["svc"],
            )
        expected = 2 * PEOPLE + 1  # pages by two kinds, and the incident room

        def sends(incident_id: str) -> list[float]:
            found = peers.sms.arrivals(incident_id) + peers.chat.arrivals(incident_id)
            if impact == "mail":
                found += peers.smtp.arrivals(incident_id)
            return [arrival.at for arrival in found]

        deadline = time.monotonic() + STORM_TIMEOUT_S
        while time.monotonic() < deadline:
            if all(len(sends(i)) >= expected for i in declared):
                break
            time.sleep(0.05)
        complete = all(len(sends(i)) >= expected for i in declared)
        firsts, chats = [], []
        for incident_id, at in declared.items():
            pages = [a.at for a in first_peer.arrivals(incident_id) if a.is_page]
            if pages:
                firsts.append(min(pages) - at)
            chats += [a.at - at for a in peers.chat.arrivals(incident_id)]
        every = [when for i in declared for when in sends(i)]
        busiest = max(peers.sms.gauge.peak, peers.chat.gauge.peak, peers.smtp.gauge.peak)
        return Storm(label, max(every) - began, firsts, chats, complete, peers.total.peak, busiest)

    def peak_rss_mib(self) -> float:
        process = self.worker.process
        if process is None:
            return float("nan")
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


@contextmanager
def deployment(label: str, base: Path, peers: Peers) -> Iterator[Deployment]:
    """The Procfile's worker and beat on ``label``'s broker, every setting at its default."""
    url = BROKERS[label]
    home = base / label
    home.mkdir()
    config = home / "routing.yaml"
    config.write_text(routing_yaml(peers.sms, peers.chat, peers.smtp))
    queue = f"muster-slow-bench-{uuid.uuid4().hex[:8]}"
    with ExitStack() as cleanup:
        database = (
            f"sqlite:///{home / 'muster.db'}"
            if label == "embedded"
            else cleanup.enter_context(postgres_database())
        )
        python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env = worker_environment(home, config, url, database, queue, PYTHONPATH=python_path)
        env.update(PRODUCTION)
        purge(url, queue)
        cleanup.callback(purge, url, queue)
        worker = MusterWorker(home=home, env=env, beat=False)
        cleanup.callback(worker.stop)
        worker.start(timeout=90)
        beat = MusterBeat(home=home, env=env)
        cleanup.callback(beat.stop)
        beat.start(timeout=60)
        with muster_env(home, queue):
            client = Client(url)
        cleanup.callback(client.close)
        yield Deployment(client, worker, peers)


@dataclass(frozen=True)
class Verdict:
    label: str
    target: str
    measured: float
    limit: float
    ok: bool

    def line(self) -> str:
        mark = "PASS" if self.ok else "FAIL"
        return (
            f"  {mark}  {self.label:9} {self.target:52} {self.measured:7.2f} (<= {self.limit:.2f})"
        )


def judge(label: str, target: str, measured: float, limit: float) -> Verdict:
    verdict = Verdict(label, target, measured, limit, measured <= limit)
    print(verdict.line())
    return verdict


def run_broker(label: str, base: Path, peers: Peers, args: argparse.Namespace) -> list[Verdict]:
    settings = Settings()
    verdicts: list[Verdict] = []
    with deployment(label, base, peers) as run:
        peers.delays(0, 0)
        warm = run.storm("warm-up", 1)
        if not warm.complete:
            print("  warm-up incomplete: stopping this broker")
            return [Verdict(label, "warm-up", float("nan"), 0, False)]
        warm_rss = run.peak_rss_mib()
        reference = run.storm("reference", args.incidents)
        fast_p50, fast_max = percentile(reference.chat, 50), max(reference.chat)
        print(
            f"  reference storm, every peer answering at once: all out {reference.all_out:.2f} s;"
            f" chat p50 {fast_p50:.2f} s, max {fast_max:.2f} s"
        )
        scenarios = [(f"HTTP {d:g} s", d, "critical") for d in args.delay_list]
        scenarios.append(("SMTP 1 s", 1.0, "mail"))
        for name, delay, impact in scenarios:
            if impact == "mail":
                peers.delays(sms=delay, chat=0, smtp=delay)
            else:
                peers.delays(sms=delay, chat=delay)
            storm = run.storm(name, args.incidents, impact)
            print(
                f"  {name}, {'email' if impact == 'mail' else 'every peer'} slow: "
                f"complete {storm.complete}; on the wire at once {storm.on_wire} "
                f"(one peer {storm.busiest_peer}); first page p50 "
                f"{percentile(storm.first_pages, 50):.2f} s"
            )
            verdicts.append(
                judge(label, f"{name}: every send out, s", storm.all_out, 4 * delay + 1)
            )
            print(
                f"        (floor: the same storm against peers answering at once, "
                f"{reference.all_out:.2f} s)"
            )
            verdicts.append(
                judge(
                    label,
                    f"{name}: worst first page, s",
                    max(storm.first_pages, default=float("inf")),
                    delay + 0.5,
                )
            )
            verdicts.append(
                judge(
                    label,
                    f"{name}: on the wire <= MUSTER_SEND_THREADS",
                    storm.on_wire,
                    settings.send_threads,
                )
            )
            verdicts.append(
                judge(
                    label,
                    f"{name}: to one peer <= MUSTER_SEND_PER_PROVIDER",
                    storm.busiest_peer,
                    settings.send_per_provider,
                )
            )
            if impact != "mail":
                peers.delays(sms=delay, chat=0)
                storm = run.storm(f"{name} mixed", args.incidents, impact)
            print(
                f"  {name}, chat answering at once: chat p50 {percentile(storm.chat, 50):.2f} s"
                f" (reference {fast_p50:.2f})"
            )
            verdicts.append(
                judge(
                    label,
                    f"{name}: fast peer's worst latency, s",
                    max(storm.chat),
                    fast_max + FAST_MARGIN_S,
                )
            )
        if args.big:
            peers.delays(sms=1.0, chat=1.0)
            storm = run.storm("big", args.big)
            print(
                f"  {args.big} SEV1s at 1 s: complete {storm.complete}, all out "
                f"{storm.all_out:.1f} s, on the wire at once {storm.on_wire}; worker peak RSS "
                f"{run.peak_rss_mib():.0f} MiB (after the warm-up {warm_rss:.0f})"
            )
            verdicts.append(
                judge(
                    label,
                    f"{args.big} SEV1s: worker peak RSS, MiB",
                    run.peak_rss_mib(),
                    warm_rss + MEMORY_MARGIN_MIB,
                )
            )
    return verdicts


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--brokers", default=",".join(BROKERS))
    parser.add_argument("--delays", default="0.3,1", help="the HTTP peers' delays, seconds")
    parser.add_argument("--incidents", type=int, default=40)
    parser.add_argument("--big", type=int, default=200, help="the memory storm's SEV1s (0: none)")
    args = parser.parse_args(argv)
    args.broker_list = [name.strip() for name in args.brokers.split(",") if name.strip()]
    args.delay_list = [float(d) for d in args.delays.split(",") if d.strip()]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings()
    print("muster slow-provider benchmark (issue 19)")
    print(f"  python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"  code: {code_under_test(ROOT)}")
    print(f"  load average at start: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    print(
        f"  sends on the wire are bounded per worker process by MUSTER_SEND_THREADS "
        f"({settings.send_threads}), to one provider (scheme and host) by "
        f"MUSTER_SEND_PER_PROVIDER ({settings.send_per_provider}); a process takes on "
        f"MUSTER_SEND_QUEUE ({settings.send_queue}) before its delivery tasks wait"
    )
    verdicts: list[Verdict] = []
    base = Path(tempfile.mkdtemp(prefix="muster-slow-bench-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, base, ignore_errors=True)
        total = Gauge()
        peers = Peers(
            total,
            stack.enter_context(Sink(gauge=Gauge(total))),
            stack.enter_context(Sink(gauge=Gauge(total))),
            stack.enter_context(SlowSmtp(Gauge(total))),
        )
        for label in args.broker_list:
            print(f"\n=== {label} ===")
            if label in PORTS and not port_open(PORTS[label]):
                print(f"  skipped: nothing listens on 127.0.0.1:{PORTS[label]}")
                continue
            if label != "embedded" and not port_open(5432):
                print("  skipped: PostgreSQL is not listening on 127.0.0.1:5432")
                continue
            verdicts += run_broker(label, base, peers, args)
            args.big = 0  # the memory storm runs on the first broker only
    print("\nsummary")
    for verdict in verdicts:
        print(verdict.line())
    print(f"  load average at the end: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    return 0 if verdicts and all(verdict.ok for verdict in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
