"""``muster.heartbeat``: a monitor was heard from. Its next miss moves on; if it was down, the
incident its miss declared is resolved."""

from __future__ import annotations

from muster.worker.core.decisions.heartbeats import heard
from muster.worker.core.intake.message_names import refusal
from muster.worker.heartbeats.rows import held, state_of, write
from muster.worker.heartbeats.settle import settle
from muster.worker.incidents.outcome import Outcome
from muster.worker.incidents.records import consume
from muster.worker.messages import Heartbeat, InvalidMessage
from muster.worker.runtime import Runtime


def handle_heartbeat(rt: Runtime, message: Heartbeat, message_id: str) -> Outcome:
    """Record the heartbeat; resolve what its silence declared. A heartbeat of a monitor the
    config does not define is refused (a dead letter, replayable once the config has it)."""
    now = rt.clock.now()
    config = rt.config.current().routing.config
    reason = refusal(config, message)
    if reason:
        raise InvalidMessage(reason)
    monitor = config.heartbeats[message.name]
    with rt.database.transaction() as session:
        row = held(session, message.name)
        before = None if row is None else state_of(row)
        after = heard(before, message.name, monitor, message.received_at or now, now)
        if after is not None:
            write(session, row, after, now)
        consume(session, message_id, now)
    if after is None:
        return Outcome(None, note="an older heartbeat than the last one counted: no-op")
    if after.incident_id is None:
        return Outcome(None)
    return Outcome(
        after.incident_id, tuple(settle(rt, [message.name])), note="settling its incident"
    )
