"""The values this process must never show: every ``${NAME}`` a config it loaded filled in.

Config loading remembers them here as it serves each good version; muster's log setup masks
them in every log line (:mod:`muster.worker.log_setup`). The set lives with the config that
finds the secrets, so loading a config needs nothing of the worker's (the log setup reads it
from here, never the other way round).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

_known: frozenset[str] = frozenset()
_lock = threading.Lock()


def remember(secrets: Iterable[str]) -> None:
    """Add values that must never appear in a log line (they are never forgotten: a value a
    previous version of the config filled in may still sit in a record being logged)."""
    global _known  # noqa: PLW0603 - one process-wide set, read by every log call
    with _lock:
        _known = _known | frozenset(secrets)


def known() -> frozenset[str]:
    """Every value remembered so far."""
    return _known
