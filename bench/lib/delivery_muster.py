"""muster under the delivery bench: a real ``muster worker --beat -c 8`` paging the sink.

:class:`MusterRun` declares bench incidents through muster's own producer
(:class:`worker.client.Client`) and reads muster's database to know when an incident's
bookkeeping is finished, so each latency sample starts with an idle worker.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.lib.delivery_incident import SOURCE, SUMMARY, TITLE, new_incident_id
from bench.lib.processes import muster_env
from bench.lib.sink import Latencies, Sink, group_cpu_seconds
from muster.worker.client import Client
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.servers import purge

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class MusterResult:
    """muster on one broker: first-page latencies and burst throughput."""

    first_page: Latencies = field(default_factory=Latencies)
    first_any: Latencies = field(default_factory=Latencies)
    all_pages: Latencies = field(default_factory=Latencies)
    burst_deliveries: int = 0
    burst_seconds: float = 0.0
    burst_first_page: Latencies = field(default_factory=Latencies)
    burst_complete: bool = True
    duplicates: int = 0
    error_lines: list[str] = field(default_factory=list)
    unsettled: int = -1
    latency_cpu_per_incident: float = math.nan
    burst_cpu_per_delivery: float = math.nan

    @property
    def rate(self) -> float:
        return self.burst_deliveries / self.burst_seconds if self.burst_seconds else math.nan


@dataclass
class MusterRun:
    """A running muster worker, a producer on its queue, and the sink it pages."""

    client: Client
    worker: MusterWorker
    sink: Sink
    expected: int
    database_url: str
    declared: list[str] = field(default_factory=list)
    _settle_engine: Any = None

    def unsettled(self, timeout: float = 10.0) -> int:
        """Deliveries of the bench's incidents not ``sent`` in muster's database (0 is right).

        A page reaches the sink before its row is finished, so this waits up to ``timeout``.
        """
        engine = create_engine(self.database_url)
        query = text(
            "SELECT count(*) FROM deliveries WHERE status != 'sent' AND incident_id IN "
            "(SELECT id FROM incidents WHERE source = :source)"
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                with engine.connect() as connection:
                    left = int(connection.execute(query, {"source": SOURCE}).scalar_one())
                if left == 0 or time.monotonic() > deadline:
                    return left
                time.sleep(0.2)
        finally:
            engine.dispose()

    def settle(self, incident_id: str, timeout: float = 5.0) -> None:
        """Wait until muster has recorded every delivery of ``incident_id`` (pages reach the
        sink before their rows are finished), polling its database every few milliseconds."""
        if self._settle_engine is None:
            self._settle_engine = create_engine(self.database_url)
        query = text(
            "SELECT count(*) FROM deliveries WHERE incident_id = :incident"
            " AND status NOT IN ('sent', 'failed')"
        )
        deadline = time.monotonic() + timeout
        with self._settle_engine.connect() as connection:
            while time.monotonic() < deadline:
                if not connection.execute(query, {"incident": incident_id}).scalar_one():
                    return
                connection.rollback()
                time.sleep(0.002)

    def declare(self) -> str:
        incident_id = new_incident_id()
        self.declared.append(incident_id)
        self.client.declare(
            incident_id=incident_id,
            title=TITLE,
            impact="critical",
            urgency="high",
            services=["svc"],
            summary=SUMMARY,
            source=SOURCE,
        )
        return incident_id

    def cpu(self) -> float:
        """CPU seconds the worker (and its beat child) have used so far."""
        process = self.worker.process
        return group_cpu_seconds(process.pid) if process is not None else math.nan

    def first_page(self, incident_id: str) -> float | None:
        pages = [arrival.at for arrival in self.sink.arrivals(incident_id) if arrival.is_page]
        return min(pages) if pages else None


@contextmanager
def muster_worker(
    label: str,
    url: str | None,
    database: Callable[[ExitStack, Path], str],
    base: Path,
    sink: Sink,
    config_text: str,
    expected: int,
    env: dict[str, str],
) -> Iterator[MusterRun]:
    """``muster worker --beat -c 8`` on ``url`` with its own home, config, database and queue."""
    home = base / f"muster-{label.replace('+', '-')}"
    home.mkdir(parents=True)
    config = home / "routing.yaml"
    config.write_text(config_text)
    queue = f"muster-bench-{uuid.uuid4().hex[:8]}"
    with ExitStack() as cleanup:
        database_url = database(cleanup, home)
        python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        environment = worker_environment(
            home, config, url, database_url, queue, PYTHONPATH=python_path, **env
        )
        purge(url, queue)
        cleanup.callback(purge, url, queue)
        worker = MusterWorker(home=home, env=environment)
        cleanup.callback(worker.stop)
        worker.start(timeout=90)
        with muster_env(home, queue):
            client = Client(url)
        cleanup.callback(client.close)
        run = MusterRun(client, worker, sink, expected, database_url)
        try:
            yield run
        finally:
            if run._settle_engine is not None:
                run._settle_engine.dispose()
