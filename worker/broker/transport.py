"""Which broker muster talks to, and the embedded default that needs no server.

``MUSTER_BROKER_URL`` selects Redis (``redis://…``) or RabbitMQ (``amqp://…``) in production.
Without it, muster uses kombu's filesystem transport in ``$MUSTER_HOME/broker`` (default
``var/broker``; muster's safe variant of it, see :mod:`muster.worker.broker.fs_transport`):
no server to install, ~370 tasks/s measured, its transport options are its own (the
SQLAlchemy transport hands every option to ``create_engine``), and it can keep each fetched
message in a ``processed`` folder. That folder is what lets muster close the embedded
transports' gap: a message is fetched (and leaves the queue) before its task runs, so a
``kill -9`` mid-task would lose it; at start-up muster puts back every kept message whose
handling never committed (see :mod:`muster.worker.broker.recovery`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from muster.config.settings import Settings
from muster.worker.broker import EMBEDDED_SCHEME


def broker_url(settings: Settings) -> str:
    """``MUSTER_BROKER_URL``, or the embedded filesystem broker."""
    return embedded_scheme(settings.broker_url or f"{EMBEDDED_SCHEME}://")


def embedded_scheme(url: str) -> str:
    """``filesystem://`` URLs mapped to muster's safe filesystem transport (``musterfs://``)."""
    if url.startswith("filesystem:"):
        return EMBEDDED_SCHEME + url.removeprefix("filesystem")
    return url


def is_embedded(url: str) -> bool:
    """Whether ``url`` is the embedded filesystem broker."""
    return url.startswith(("filesystem:", f"{EMBEDDED_SCHEME}:"))


def broker_folder(settings: Settings) -> Path:
    """The embedded broker's folder: its queue, in-flight, control and set-aside folders."""
    return settings.home_folder / "broker"


def queue_folder(settings: Settings) -> Path:
    """The embedded broker's queue folder."""
    return broker_folder(settings) / "queue"


def processed_folder(settings: Settings) -> Path:
    """Where the embedded broker keeps each fetched message until its handling commits."""
    return broker_folder(settings) / "processed"


def transport_options(url: str, settings: Settings) -> dict[str, Any]:
    """Transport options for ``url``: folders and a fast poll for the embedded broker (the
    transport creates its folders when it first connects, not before)."""
    if is_embedded(url):
        return {
            "data_folder_in": str(queue_folder(settings)),
            "data_folder_out": str(queue_folder(settings)),
            "processed_folder": str(processed_folder(settings)),
            "control_folder": str(broker_folder(settings) / "control"),
            "store_processed": True,
            "polling_interval": settings.poll_interval,
        }
    if url.startswith("redis"):
        return dict(REDIS_RECOVERY)
    if url.startswith(AMQP_SCHEMES):
        return dict(AMQP_CONFIRMS)
    return {}


# Redis keeps a fetched message in its ``unacked`` set until the worker acknowledges it; a
# worker killed mid-task never does, and kombu restores such a message only once it is older than
# ``visibility_timeout``, checking every ``unacked_restore_interval`` × ``throttle`` seconds
# (an hour and 100 s by default: a page an hour late). muster turns the timeout into a liveness
# window: each live consuming channel stamps every message it still holds afresh at each check
# (:class:`muster.worker.broker.redis_transport.QoS`), so only a dead worker's messages age past
# ``visibility_timeout``. Three seconds, checked every second, gives a killed worker's messages
# back within about 4 s, however long a live worker's task runs (a send retrying for 30 s, a
# retry's countdown). A worker whose event loop stalls longer than that (or a host whose clock is
# seconds off the others') may see a held message restored and run again elsewhere: that copy
# finds its deliveries leased and does nothing (the database, not the broker, decides who sends).
# The restore mutex expires as fast: a worker killed while holding it must not stall every
# other worker's restores for kombu's default five minutes.
#
# One key per queue (kombu's default keeps four, one per priority step, which muster never
# uses): a worker consuming one key fetches through its in-flight list, which a message cannot
# fall out of (see :mod:`muster.worker.broker.redis_inflight`).
REDIS_RECOVERY = {
    "priority_steps": [0],
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    "unacked_mutex_expire": 3,
}
MAX_COUNTDOWN = 5.0  # seconds: the longest a retry waits (in a worker, its message stamped)

# RabbitMQ answers a publish only when asked to: py-amqp does not ask by default, so a publish
# "succeeds" once its bytes are in the socket, before the broker has the message, let alone on
# disk — a producer told its incident was queued, or a worker that queued the fan-out and then
# acknowledged the declaration, lost it if RabbitMQ died in the next moment (a private node killed
# right after 20 declarations kept none of them). With publisher confirms each publish waits
# until RabbitMQ has written the persistent message to disk (or routed it nowhere), so what was
# confirmed survives a crash, and what was not is retried or reported: never lost in silence.
AMQP_SCHEMES = ("amqp", "pyamqp")
AMQP_CONFIRMS = {"confirm_publish": True}
