"""The delivery bench's figures and its HTTP sink: where every page, broadcast and ping lands.

Every send the bench measures -- raw Apprise, the ping task's GET, muster's pages -- ends at this
one local server, which answers 200 at once and records when each request arrived, so all three
are timed against the same clock (``time.perf_counter``) and the same HTTP stack.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

INCIDENT_ID = re.compile(rb"inc-[0-9a-f]{12}")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``values``; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    """Seconds as milliseconds, for printing."""
    return f"{seconds * 1000:8.1f} ms"


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in process group ``pgid`` (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ... utime stime
            total += int(fields[11]) + int(fields[12])
    return total / ticks


@dataclass
class Latencies:
    """A set of measured durations in seconds."""

    values: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return percentile(self.values, 50)

    @property
    def p99(self) -> float:
        return percentile(self.values, 99)

    def line(self) -> str:
        return f"p50 {ms(self.p50)}   p99 {ms(self.p99)}   (n={len(self.values)})"


# --- the sink -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Arrival:
    """One request the sink received: when (``time.perf_counter``) and at which path."""

    at: float
    path: str

    @property
    def is_page(self) -> bool:
        return not self.path.startswith("/room/")


class Gauge:
    """How many requests are being answered at once (the sends on the wire), and the most so
    far: one gauge can be shared by several sinks to count their sum."""

    def __init__(self, total: Gauge | None = None) -> None:
        self._lock = threading.Lock()
        self.total = total  # a gauge counting this one's requests among others'
        self.now = 0
        self.peak = 0

    def enter(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        if self.total is not None:
            self.total.enter()

    def leave(self) -> None:
        with self._lock:
            self.now -= 1
        if self.total is not None:
            self.total.leave()

    @contextmanager
    def held(self) -> Iterator[None]:
        self.enter()
        try:
            yield
        finally:
            self.leave()

    def reset(self) -> None:
        with self._lock:
            self.peak = self.now


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default backlog of 5 drops SYNs under 8 concurrent senders


class Sink:
    """A local HTTP server that answers 200 at once and records each request's arrival time.

    A POST is filed under the first match of ``key`` in its body (by default the incident id,
    which muster's pages and broadcasts all carry), anything else under its path (the ping
    task's ``GET /ping/RUN/SEQ``). It speaks HTTP/1.1 and keeps connections alive, as real
    providers do.
    """

    def __init__(self, key: re.Pattern[bytes] = INCIDENT_ID, gauge: Gauge | None = None) -> None:
        self._changed = threading.Condition()
        self._arrivals: dict[str, list[Arrival]] = {}
        self.total = 0
        self.delay = 0.0  # seconds each request is held before its answer (a slow provider)
        self.gauge = gauge or Gauge()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1, as providers speak it: a client may keep its connection for the next
            # request (muster does; raw Apprise opens one a send). The answer goes out at once.
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                at = time.perf_counter()
                found = key.search(body)
                if sink.delay:
                    with sink.gauge.held():
                        time.sleep(sink.delay)
                self._answer()
                sink.record(found.group().decode() if found else self.path, Arrival(at, self.path))

            def do_GET(self) -> None:
                at = time.perf_counter()
                self._answer()
                sink.record(self.path, Arrival(at, self.path))

            def _answer(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port: int = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Sink:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def record(self, key: str, arrival: Arrival) -> None:
        with self._changed:
            self._arrivals.setdefault(key, []).append(arrival)
            self.total += 1
            self._changed.notify_all()

    def arrivals(self, key: str) -> list[Arrival]:
        with self._changed:
            return list(self._arrivals.get(key, ()))

    def first(self, key: str, timeout: float) -> float | None:
        """When the first request filed under ``key`` arrived; None after ``timeout`` seconds."""
        if not self.wait([key], 1, timeout):
            return None
        return self.arrivals(key)[0].at

    def wait(self, keys: Sequence[str], count: int, timeout: float) -> bool:
        """Wait until each of ``keys`` has ``count`` arrivals; False on timeout."""

        def done() -> bool:
            return all(len(self._arrivals.get(key, ())) >= count for key in keys)

        with self._changed:
            return self._changed.wait_for(done, timeout)
