"""The heartbeat part of the timer scan: arm monitors new to the config, disarm removed ones,
re-pace changed ones, and mark the silent ones missed — under row locks, in one transaction,
as the timer scan fires timers — then settle what that decided (declare the misses)."""

from __future__ import annotations

import structlog

from muster.worker.core.decisions.heartbeats import armed, review
from muster.worker.heartbeats.rows import insert_new, locked, names, state_of, write
from muster.worker.heartbeats.settle import settle
from muster.worker.observe import metrics
from muster.worker.runtime import Runtime

log = structlog.get_logger("muster.heartbeats")


def scan_heartbeats(rt: Runtime) -> list[int]:
    """One scan of every monitor; returns the deliveries to queue (committed).

    A monitor's clock starts at the first scan that finds it in the config with no row (and
    again when it comes back after being removed): never heard from, it is missed one
    ``every`` + ``grace`` after that. Rows another scanner holds are left to it.
    """
    now = rt.clock.now()
    monitors = rt.config.current().routing.config.heartbeats
    with rt.database.transaction() as session:
        known = names(session)
        if not monitors and not known:
            return []
        insert_new(
            session, [armed(n, monitors[n], now) for n in sorted(set(monitors) - known)], now
        )
        rows = {row.name: row for row in locked(session)}
        decided = review(monitors, {n: state_of(r) for n, r in rows.items()}, now, frozenset())
        for state in decided.writes:
            write(session, rows.get(state.name), state, now)
    for miss in decided.missed:
        metrics.heartbeat_missed(miss.name)
        log.warning(
            "heartbeat.missed",
            heartbeat=miss.name,
            incident_id=miss.incident_id,
            due_at=miss.due_at.isoformat(),
        )
    return settle(rt)
