"""Which broker muster talks to, and the embedded default that needs no server.

``MUSTER_BROKER_URL`` selects Redis (``redis://…``) or RabbitMQ (``amqp://…``) in production.
Without it, muster uses kombu's filesystem transport in ``$MUSTER_HOME/broker`` (default
``var/broker``; muster's safe variant of it, see :mod:`worker.fs_transport`): no server to
install, ~370 tasks/s measured, its transport options are its own (the SQLAlchemy transport
hands every option to ``create_engine``), and it can keep each fetched message in a
``processed`` folder. That folder is
what lets muster close the embedded transports' gap: a message is fetched (and leaves the queue)
before its task runs, so a ``kill -9`` mid-task would lose it; at start-up muster puts back every
kept message whose handling never committed (see :mod:`worker.embedded_broker`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from muster.worker import fs_transport


def home() -> Path:
    """Where muster keeps its local files: ``$MUSTER_HOME``, default ``./var``."""
    return Path(os.environ.get("MUSTER_HOME", "var")).resolve()


def broker_url() -> str:
    """``MUSTER_BROKER_URL``, or the embedded filesystem broker."""
    return embedded_scheme(os.environ.get("MUSTER_BROKER_URL") or f"{fs_transport.SCHEME}://")


def embedded_scheme(url: str) -> str:
    """``filesystem://`` URLs mapped to muster's safe filesystem transport (``musterfs://``)."""
    if url.startswith("filesystem:"):
        return fs_transport.SCHEME + url.removeprefix("filesystem")
    return url


def is_embedded(url: str) -> bool:
    """Whether ``url`` is the embedded filesystem broker."""
    return url.startswith(("filesystem:", f"{fs_transport.SCHEME}:"))


def queue_folder() -> Path:
    """The embedded broker's queue folder."""
    return home() / "broker" / "queue"


def processed_folder() -> Path:
    """Where the embedded broker keeps each fetched message until its handling commits."""
    return home() / "broker" / "processed"


def transport_options(url: str) -> dict[str, Any]:
    """Transport options for ``url``: folders and a fast poll for the embedded broker."""
    if is_embedded(url):
        for folder in (queue_folder(), processed_folder()):
            folder.mkdir(parents=True, exist_ok=True)
        return {
            "data_folder_in": str(queue_folder()),
            "data_folder_out": str(queue_folder()),
            "processed_folder": str(processed_folder()),
            "control_folder": str(home() / "broker" / "control"),
            "store_processed": True,
            "polling_interval": float(os.environ.get("MUSTER_POLL_INTERVAL", "0.1")),
        }
    if url.startswith("redis"):
        # Longer than any task can run (a delivery's retry budget is 30 s by default).
        return {"visibility_timeout": 3600}
    return {}
