"""muster's own heartbeat: a URL outside muster (a healthchecks.io check, Dead Man's Snitch, a
Cronitor monitor…) fetched on the beat's schedule, only while muster could page — the database
answers, and a worker and a beat were each seen within ``MUSTER_READY_WITHIN`` (their liveness
rows, as ``/readyz`` reads them). That a worker runs the task at all says the broker carries
work; a ping stuck in the queue expires. When muster dies, or cannot page, the pings stop and
the service outside pages someone.

The URL usually holds the check's token: it is logged masked (``https://hc-ping.com/****``),
and a failure is logged by its class, never by the HTTP library's message (which quotes it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import structlog

from muster.config.settings import Settings
from muster.worker.core.config.masking import mask_url
from muster.worker.core.decisions.heartbeats import stale_processes
from muster.worker.store.db import Database
from muster.worker.store.processes import BEAT, WORKER, last_seen, ping

log = structlog.get_logger("muster.self_heartbeat")

TIMEOUT = 10.0  # seconds for the outbound request
SENT, WITHHELD, FAILED, OFF = "sent", "withheld", "failed", "off"


def _utc_now() -> datetime:
    return datetime.now(UTC)  # the wall clock the liveness rows are written on


def send_self_heartbeat(
    database: Database,
    settings: Settings,
    now: Callable[[], datetime] = _utc_now,
    get: Callable[..., Any] = requests.get,
) -> str:
    """Check muster is healthy, then fetch the URL; returns what happened (``sent``,
    ``withheld`` when unhealthy, ``failed`` when the URL did not answer 2xx, ``off``)."""
    url = settings.self_heartbeat_url
    if not url:
        return OFF
    shown = mask_url(url)
    within = timedelta(seconds=settings.ready_within)
    try:
        ping(database.engine)
        seen = last_seen(database.engine)
    except Exception as failure:  # noqa: BLE001 - any failure withholds the ping
        log.warning(
            "self_heartbeat.withheld",
            url=shown,
            reason="database unavailable",
            error=type(failure).__name__,
        )
        return WITHHELD
    stale = stale_processes(seen, (WORKER, BEAT), now(), within)
    if stale:
        reason = f"no {' or '.join(stale)} seen within {within.total_seconds():g} s"
        log.warning("self_heartbeat.withheld", url=shown, reason=reason)
        return WITHHELD
    try:
        answer = get(url, timeout=TIMEOUT)
    except requests.RequestException as failure:
        log.warning("self_heartbeat.failed", url=shown, error=type(failure).__name__)
        return FAILED
    if not 200 <= answer.status_code < 300:
        log.warning("self_heartbeat.failed", url=shown, status=answer.status_code)
        return FAILED
    log.info("self_heartbeat.sent", url=shown)
    return SENT
