"""Serving a worker's or beat's metrics on ``MUSTER_METRICS_HOST:MUSTER_METRICS_PORT``.

prometheus-client's own HTTP server, on a daemon thread: ``/metrics`` (any path answers) in
Prometheus' text format, every metric of the process's default registry — the counters of
:mod:`muster.worker.observe.metrics` and, collected at each scrape, the deliveries still to be
sent, counted in the database on a read-only engine. A port that cannot be bound is logged and
left: metrics never stop a worker from paging.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from weakref import WeakSet
from wsgiref.simple_server import WSGIServer

import structlog
from prometheus_client import REGISTRY, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from muster.config.settings import Settings
from muster.worker.core.paging.deliveries import UNSENT as STATUSES
from muster.worker.observe.metrics import UNSENT
from muster.worker.store.db import database_url, make_engine
from muster.worker.store.reads import unsent_deliveries

log = structlog.get_logger("muster.metrics")


class UnsentDeliveries(Collector):
    """``muster_deliveries_unsent{status}``: pending and sending deliveries, read on scrape."""

    def __init__(self, count: Callable[[], dict[str, int]]) -> None:
        self.count = count

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The gauge's name and labels (no database read when it is registered)."""
        yield self._family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The counts now; nothing when the database does not answer (the scrape goes on)."""
        try:
            counts = self.count()
        except Exception as failure:  # noqa: BLE001 - a scrape must not fail for one gauge
            log.warning("metrics.unsent_unread", error=type(failure).__name__)
            return
        family = self._family()
        for status in STATUSES:
            family.add_metric([status], counts.get(status, 0))
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            UNSENT,
            "Deliveries waiting for a worker (pending) or held by one (sending)",
            labels=["status"],
        )


# The registries holding the collector already: one per registry, however often served.
_collected: WeakSet[CollectorRegistry] = WeakSet()


def serve(
    settings: Settings, registry: CollectorRegistry = REGISTRY
) -> tuple[WSGIServer, str] | None:
    """Serve ``registry`` (this process's metrics) if ``MUSTER_METRICS_PORT`` is set; the
    server and its URL, or None (not asked for, or the port could not be bound: logged)."""
    if settings.metrics_port is None:
        return None
    if registry not in _collected:
        engine = make_engine(database_url(settings), read_only=True)
        registry.register(UnsentDeliveries(lambda: unsent_deliveries(engine)))
        _collected.add(registry)
    host, port = settings.metrics_host, settings.metrics_port
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as failure:
        log.error("metrics.not_served", host=host, port=port, error=str(failure))
        return None
    url = f"http://{host}:{server.server_port}/metrics"
    log.info("metrics.listening", url=url)
    return server, url
