"""The pieces ``intake_bench.py`` is made of: the bench's config and alerts, a sink that files
each page under the marker in its body, a keep-alive load generator, and ``muster web`` in a
process group of its own (with a reaper).

Every address is 127.0.0.1, every token a fixed bench token written to a scratch config.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

from bench.lib import sink
from bench.lib.sink import Latencies, group_cpu_seconds
from tests.harness.peers.alertmanager import AlertmanagerPeer
from tests.harness.peers.common import HOST, free_port
from tests.harness.reaper import guard
from tests.harness.servers import port_open

TOKEN = "intake-bench-token-not-a-secret-0123456789"  # noqa: S105 - a bench token, scratch only
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
JSON = {"Content-Type": "application/json"}
MARKER = re.compile(rb"IB-[0-9a-f]{8}-[0-9]{4}")
REQUEST_TIMEOUT_S = 10.0


def routing_yaml(sink_port: int) -> str:
    """One service, one person paged by chat (a ``json://`` POST to the sink) for every
    severity; the bench caller's token; critical alerts are SEV1."""
    return f"""# Written by bench/intake_bench.py (a scratch folder): bench token, local sink only.
version: 1
timezone: UTC
severity:
  impacts: [critical, minor]
  urgencies: [high, low]
  matrix:
    critical: {{high: SEV1, low: SEV2}}
    minor: {{high: SEV2, low: SEV2}}
  levels:
    SEV1: {{page: [sme], via: [chat], ack_within: 30m}}
    SEV2: {{page: [sme], via: [chat]}}
services:
  svc: {{smes: r-sme, runbook: "https://runbooks.example.test/svc"}}
fallback_service: svc
rotations:
  r-sme: {{members: [p01]}}
people:
  p01: {{name: Person One, chat: p01}}
contacts:
  chat: "json://{HOST}:{sink_port}/chat/{{chat}}"
intake:
  callers:
    alertmanager: {{token: "{TOKEN}"}}
  rules:
    - {{match: {{severity: critical}}, impact: critical, urgency: high}}
  defaults: {{impact: minor, urgency: low}}
"""


# --- alerts -------------------------------------------------------------------------------------


def now_text() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def alert(run: str, group: str, seq: int) -> dict[str, Any]:
    """One distinct alert as Prometheus posts it to Alertmanager's ``/api/v2/alerts``."""
    return {
        "labels": {
            "alertname": group,
            "instance": f"node-{seq:05d}:9100",
            "job": "node",
            "severity": "critical",
            "service": "svc",
            "bench": run,
        },
        "annotations": {
            "summary": f"IB-{run}-{seq % 10_000:04d} disk almost full",
            "description": "Less than 5% of /var is left on the node.",
            "runbook_url": "https://runbooks.example.test/disk-full",
        },
        "startsAt": now_text(),
        "generatorURL": "http://127.0.0.1:9090/graph?g0.expr=node_filesystem_avail_bytes",
    }


def webhook(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """The webhook (version 4) Alertmanager would send for one group of ``alerts``."""
    group = alerts[0]["labels"]["alertname"]
    common = {key: dict(alerts[0][key]) for key in ("labels", "annotations")}
    for one in alerts[1:]:
        for key, shared in common.items():
            common[key] = {k: v for k, v in shared.items() if one[key].get(k) == v}
    sent = [
        {
            "status": "firing",
            **one,
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": hashlib.sha256(json.dumps(one["labels"]).encode()).hexdigest()[:16],
        }
        for one in alerts
    ]
    return {
        "receiver": "muster",
        "status": "firing",
        "alerts": sent,
        "groupLabels": {"alertname": group},
        "commonLabels": common["labels"],
        "commonAnnotations": common["annotations"],
        "externalURL": "http://127.0.0.1:9093",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{group}"}}',
        "truncatedAlerts": 0,
    }


# --- the sink -----------------------------------------------------------------------------------


class Sink(sink.Sink):
    """Answers 200 at once; files each POST's arrival time under the bench marker in its body
    (anything else only counts: Alertmanager's black-hole webhook)."""

    def __init__(self) -> None:
        super().__init__(MARKER)


# --- load ---------------------------------------------------------------------------------------


@dataclass
class Load:
    """What one load run measured: alerts sent, wall time, answer times, and what went wrong."""

    alerts: int = 0
    seconds: float = 0.0
    answers: Latencies = field(default_factory=Latencies)
    failures: list[str] = field(default_factory=list)
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.alerts / self.seconds if self.seconds else 0.0

    def add(self, other: Load) -> None:
        self.alerts += other.alerts
        self.seconds += other.seconds
        self.answers.values += other.answers.values
        self.failures += other.failures
        self.server_cpu += other.server_cpu
        self.client_cpu += other.client_cpu


class Connections:
    """A client's keep-alive connections to one server, kept from one load run to the next:
    Prometheus keeps its connections to Alertmanager open, and Alertmanager its connections to
    a webhook receiver, so a round of POSTs does not pay for connecting."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.open: list[http.client.HTTPConnection] = []

    def take(self, count: int) -> list[http.client.HTTPConnection]:
        while len(self.open) < count:
            self.open.append(http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT_S))
        return self.open[:count]

    def close(self) -> None:
        for connection in self.open:
            connection.close()
        self.open.clear()


def post_all(
    connections: Connections,
    path: str,
    bodies: list[bytes],
    per_body: int,
    threads: int,
    headers: dict[str, str],
    expect: int,
) -> Load:
    """POST ``bodies`` (each of ``per_body`` alerts) over ``threads`` of the keep-alive
    ``connections``, each thread taking the next body as it is free; wall time from the start
    signal to the last answer, and each POST's answer time."""
    load = Load(alerts=len(bodies) * per_body)
    lock = threading.Lock()
    start = threading.Barrier(threads + 1)
    work = iter(bodies)

    def next_body() -> bytes | None:
        with lock:
            return next(work, None)

    def worker(connection: http.client.HTTPConnection) -> None:
        answers, failures = [], []
        start.wait(REQUEST_TIMEOUT_S)
        while (body := next_body()) is not None:
            began = time.perf_counter()
            try:
                connection.request("POST", path, body, headers)
                answer = connection.getresponse()
                text = answer.read()
                if answer.status != expect:
                    failures.append(f"{answer.status} {text[:200]!r}")
            except (OSError, http.client.HTTPException) as error:
                failures.append(f"{type(error).__name__}: {error}")
                connection.close()  # the next request reconnects
            answers.append(time.perf_counter() - began)
        with lock:
            load.answers.values += answers
            load.failures += failures

    pool = [
        threading.Thread(target=worker, args=(connection,), daemon=True)
        for connection in connections.take(threads)
    ]
    for thread in pool:
        thread.start()
    start.wait(REQUEST_TIMEOUT_S)
    began, cpu = time.perf_counter(), time.process_time()
    deadline = time.monotonic() + REQUEST_TIMEOUT_S * (len(bodies) // threads + 2)
    for thread in pool:
        thread.join(max(0.0, deadline - time.monotonic()))
    load.seconds = time.perf_counter() - began
    load.client_cpu = time.process_time() - cpu
    if any(thread.is_alive() for thread in pool):
        load.failures.append("a client thread was still running at its deadline")
    return load


def group_cpu(pgid: int | None) -> float:
    """User + system CPU seconds of process group ``pgid`` so far."""
    return group_cpu_seconds(pgid) if pgid else 0.0


def get(url: str, timeout: float = 2.0) -> bytes | None:
    """A GET's body; None when it fails (loopback only)."""
    with suppress(OSError), urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310
        return bytes(answer.read())
    return None


def wait_healthy(url: str, timeout: float, process: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + timeout
    while get(f"{url}/healthz", 1.0) is None:
        if time.monotonic() > deadline or (process is not None and process.poll() is not None):
            raise RuntimeError(f"{url}/healthz did not answer in {timeout:.0f} s")
        time.sleep(0.1)


def queue_seconds(url: str) -> tuple[float, float]:
    """``muster_intake_queue_seconds``' sum and count from the web process's ``/metrics``."""
    text = (get(f"{url}/metrics") or b"").decode()
    found = dict(re.findall(r"^muster_intake_queue_seconds_(sum|count) (\S+)$", text, re.M))
    return float(found.get("sum", "nan")), float(found.get("count", "nan"))


# --- a run ---------------------------------------------------------------------------------------


def bench_broker(choice: str, redis_db: int) -> str | None:
    """Redis database ``redis_db`` for ``--broker redis``, None for the embedded broker; exits
    with status 1 when Redis is not listening."""
    if choice != "redis":
        return None
    if not port_open(6379):
        print("Redis is not listening on 127.0.0.1:6379")
        raise SystemExit(1)
    return f"redis://127.0.0.1:6379/{redis_db}"


def load_average() -> str:
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def scratch(cleanup: ExitStack, prefix: str, keep: bool) -> Path:
    """A scratch folder, deleted by ``cleanup`` unless ``keep``."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    if keep:
        print(f"  keeping {base}")
    else:
        cleanup.callback(shutil.rmtree, base, ignore_errors=True)
    return base


# --- the processes ------------------------------------------------------------------------------


class BlackHoleAlertmanager(AlertmanagerPeer):
    """The test peer, its webhook a black hole and its groups waiting 10 minutes, so that no
    notification work runs while its ingest is measured (the strictest floor for muster)."""

    def config(self) -> dict[str, Any]:
        document = super().config()
        document["route"].update(group_wait="10m", group_interval="10m", repeat_interval="4h")
        return document


@dataclass
class WebProcess:
    """``muster web`` in a session of its own with a reaper; SIGKILLed as a group at the end."""

    home: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    workers: int = 1
    process: subprocess.Popen[bytes] | None = None
    reaper: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self, timeout: float = 60.0) -> WebProcess:
        argv = [sys.executable, "-m", "muster.worker.cli", "web"]
        with (self.home / "web.log").open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [*argv, "--host", HOST, "--port", str(self.port), "--workers", str(self.workers)],
                env=self.env,
                cwd=self.home,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.reaper = guard(self.process.pid)
        try:
            wait_healthy(self.url, timeout, self.process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}:\n{self.log_text()[-3000:]}") from None
        return self

    def log_text(self) -> str:
        return (self.home / "web.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        if self.reaper is not None:
            self.reaper.wait(timeout=10)
        self.process = None


def queued(broker: str | None, home: Path, queue: str) -> int:
    """Messages waiting on the broker: files in the embedded queue folder, or the Redis list."""
    if broker is None:
        folder = home / "broker" / "queue"
        return sum(1 for _ in folder.glob("*.msg")) if folder.is_dir() else 0
    client = redis.Redis.from_url(broker)
    try:
        return int(client.llen(queue))
    finally:
        client.close()


def purge_redis(broker: str | None, queue: str) -> None:
    """Delete every Redis key of the bench's unique queue (its messages, bindings, in-flight
    lists), and the remote-control binding's expiry a stopped worker leaves."""
    if broker is None:
        return
    client = redis.Redis.from_url(broker)
    try:
        client.delete(queue, *client.scan_iter(match=f"*{queue}*"))
        # A worker's remote-control binding leaves its expiry behind once the binding is gone.
        if not client.exists("_kombu.binding.celery.pidbox"):
            client.zrem("_kombu.binding_deadlines", "celery.pidbox")
    finally:
        client.close()
