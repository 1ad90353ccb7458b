"""Serving the config file's latest good version: edits apply without a restart, bad ones never.

The file is checked at most once per ``interval`` (a ``stat``, no read unless it changed). A new
version that fails validation is logged with all its errors and the last good config keeps
serving, so a bad edit can never stop paging.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import structlog

from muster.config.loader import LoadedConfig, load_config
from muster.worker.core.issues import ConfigError
from muster.worker.log_setup import register_secrets

log = structlog.get_logger("muster.config")


class ConfigSource:
    """The current good config for a path, reloaded when the file changes."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        environ: Mapping[str, str] | None = None,
        interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.environ = environ
        self.interval = interval
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._signature = self._stat()
        self._loaded = load_config(self.path, environ)  # the first load must succeed
        register_secrets(self._loaded.routing.private_values)
        self._checked = monotonic()
        self.last_error: ConfigError | None = None

    def current(self) -> LoadedConfig:
        """The config to act on now: the file's latest version if valid, else the last good."""
        if self._monotonic() - self._checked < self.interval:
            return self._loaded
        with self._lock:
            self._checked = self._monotonic()
            signature = self._stat()
            if signature != self._signature:
                self._signature = signature
                self._reload()
            return self._loaded

    def _reload(self) -> None:
        try:
            loaded = load_config(self.path, self.environ)
        except ConfigError as invalid:
            self.last_error = invalid
            log.error(
                "config.reload_rejected",
                source=str(self.path),
                errors=[str(issue) for issue in invalid.errors],
                serving="last good config",
            )
            return
        self._loaded = loaded
        self.last_error = None
        register_secrets(loaded.routing.private_values)
        log.info("config.reloaded", source=str(self.path))

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)
