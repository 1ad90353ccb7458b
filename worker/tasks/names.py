"""Every Celery task name muster sends or consumes: the one place each is spelled.

The names are the wire's: producers send by name, so a name here never changes. The contract's
five are what producers send (:mod:`muster.worker.messages` validates their payloads); muster's
own are what the worker, its beat and its consumer send to themselves. This module imports
nothing, so the client and the web intake read it without loading any task.
"""

from __future__ import annotations

# The message contract: one task per message a producer sends.
DECLARED = "muster.incident.declared"
MILESTONE = "muster.incident.milestone"
ACKNOWLEDGED = "muster.incident.acknowledged"
RESOLVED = "muster.incident.resolved"
HEARTBEAT = "muster.heartbeat"

CONTRACT = (DECLARED, MILESTONE, ACKNOWLEDGED, RESOLVED, HEARTBEAT)

# muster's own: sent by the worker to itself.
FAN_OUT = "muster.incident.fan_out"  # a declaration's second commit
DELIVER = "muster.delivery.send"
KEEP = "muster.dead_letters.keep"  # what the worker's consumer refused, to keep as a dead letter

# muster's own: sent by the CLI once it has written the overrides file.
SHIFTS_CHANGED = "muster.shifts.changed"  # an override added or removed: tell whose shifts moved
SHIFTS_EDITED = "muster.shifts.edited"  # a config edit is live (config diff --notify): the same

# muster's own: sent by the beat.
SWEEP = "muster.sweep"
SCAN = "muster.timers.scan"
SELF_HEARTBEAT = "muster.self_heartbeat"  # scheduled only when MUSTER_SELF_HEARTBEAT_URL is set
