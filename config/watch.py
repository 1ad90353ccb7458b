"""Serving the config file's latest good version: edits apply without a restart, bad ones never.

The file, and its overrides file (:mod:`muster.config.overrides_file`), are checked at most once
per ``interval`` (a ``stat`` each, no read unless one changed). A new
version that fails validation is logged with all its errors and the last good config keeps
serving, so a bad edit can never stop paging. Each config that loads cleanly is handed to a
:class:`~muster.config.last_good.Keeper` (the database), so that a process started while the
file is invalid (after a crash, on a deploy) pages with the last good config instead of not at
all; it says so at every :meth:`ConfigSource.remind` (each scan), in ``/readyz`` and in the
periodic summaries, until the file is fixed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import structlog

from muster.config import known_secrets
from muster.config.last_good import Keeper, KeptConfig, fingerprint
from muster.config.loader import LoadedConfig, load_config, load_text
from muster.config.overrides_file import overrides_path
from muster.worker.core.config.issues import ConfigError, error

log = structlog.get_logger("muster.config")

SERVING_LAST_GOOD = "config.serving_last_good"


class NoGoodConfig(Exception):
    """The file is invalid and no last good config can stand in: the process cannot page."""

    def __init__(self, invalid: ConfigError, reason: str) -> None:
        self.invalid = invalid
        count = len(invalid.errors)
        first = invalid.errors[0] if invalid.errors else invalid
        super().__init__(
            f"{invalid.source}: invalid ({count} error{'s' if count != 1 else ''}, first: {first})"
            f" {reason}: fix the file (muster config check lists every error)"
        )


def load_guarded(path: Path, environ: Mapping[str, str] | None) -> LoadedConfig:
    """``load_config``, with anything it raises besides a ConfigError made one: a process that
    serves a config must outlive any file."""
    try:
        return load_config(path, environ)
    except ConfigError:
        raise
    except Exception as failure:  # noqa: BLE001 - MemoryError, RecursionError, a bug: all refused
        issue = error((), f"the file could not be loaded ({type(failure).__name__})")
        raise ConfigError([issue.located(str(path), 1)], str(path)) from None


class ConfigSource:
    """The current good config for a path, reloaded when the file changes."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        environ: Mapping[str, str] | None = None,
        interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        keeper: Keeper | None = None,
    ) -> None:
        self.path = Path(path)
        self.environ = environ
        self.interval = interval
        self.keeper = keeper
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self.last_error: ConfigError | None = None
        self._signature = self._stat()
        try:
            loaded = load_guarded(self.path, environ)
        except ConfigError as invalid:
            loaded = self._start_with_last_good(invalid)
        else:
            self.serving = f"{self.path} (sha256 {fingerprint(loaded.text)[:12]})"
            self._keep(loaded)
        self._loaded = self._noted(loaded)
        known_secrets.remember(loaded.routing.private_values)
        self._checked = monotonic()

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

    def served(self) -> LoadedConfig:
        """The config served now, without looking at the file: for an event loop, where a
        reload (reading and validating a large file) must not run; :meth:`follow` keeps it
        current from a thread of its own."""
        return self._loaded

    def follow(self) -> threading.Thread:
        """Check the file every ``interval`` from a daemon thread (it ends with the process)."""

        def watch() -> None:
            while True:
                time.sleep(max(self.interval, 0.05))
                try:
                    self.current()
                except Exception:
                    log.exception("config.check_failed", source=str(self.path))

        thread = threading.Thread(target=watch, name="muster-config", daemon=True)
        thread.start()
        return thread

    def remind(self) -> None:
        """While the file is rejected, say so again (the scan calls this at every interval)."""
        self.current()
        invalid = self.last_error
        if invalid is not None:
            log.warning(
                SERVING_LAST_GOOD,
                source=str(self.path),
                error=str(invalid.errors[0]) if invalid.errors else str(invalid),
                errors=len(invalid.errors),
                serving=self.serving,
            )

    def status(self) -> str:
        """What is served, for ``/readyz``: the file, or that it is rejected and what stands in
        (where its first error is, not what it says: the probe is unauthenticated)."""
        self.current()
        invalid = self.last_error
        if invalid is None:
            return f"serving {self.serving}"
        count = len(invalid.errors)
        where = ""
        if invalid.errors:
            first = invalid.errors[0]
            where = f", the first at line {first.line}" if first.line is not None else ""
            if where and first.file is not None and first.file != str(self.path):
                where += f" of {Path(first.file).name}"  # the overrides file
        return (
            f"{self.path} is rejected ({count} error{'s' if count != 1 else ''}{where}):"
            f" serving {self.serving}"
        )

    def _start_with_last_good(self, invalid: ConfigError) -> LoadedConfig:
        self.last_error = invalid
        try:
            kept = self.keeper.last_good() if self.keeper is not None else None
        except Exception as failure:  # noqa: BLE001 - the database down: no stand-in either
            raise NoGoodConfig(
                invalid, f"and the last good config is unreadable ({type(failure).__name__})"
            ) from None
        if kept is None:
            raise NoGoodConfig(invalid, "and no last good config is kept in the database")
        loaded = self._load_kept(kept, invalid)
        self.serving = kept.describe()
        log.error(
            SERVING_LAST_GOOD,
            source=str(self.path),
            error=str(invalid.errors[0]) if invalid.errors else str(invalid),
            errors=len(invalid.errors),
            serving=self.serving,
        )
        return loaded

    def _load_kept(self, kept: KeptConfig, invalid: ConfigError) -> LoadedConfig:
        try:
            overrides = kept.overrides
            if overrides is not None:
                overrides = replace(overrides, source=f"{overrides.source} (last good)")
            return load_text(kept.text, f"{kept.source} (last good)", self.environ, overrides)
        except ConfigError as stale:
            first = stale.errors[0] if stale.errors else stale
            raise NoGoodConfig(
                invalid, f"and the last good config does not load either ({first})"
            ) from None

    def _noted(self, loaded: LoadedConfig) -> LoadedConfig:
        """``loaded`` telling what reads it (the summaries) whether the file is rejected."""
        note = None
        if self.last_error is not None:
            note = (
                f"the config file {self.path.name} is rejected (muster config check says why):"
                f" paging with {self.serving}"
            )
        if loaded.routing.serving_note == note:
            return loaded
        return replace(loaded, routing=replace(loaded.routing, serving_note=note))

    def _keep(self, loaded: LoadedConfig) -> None:
        if self.keeper is None:
            return
        try:
            self.keeper.keep(loaded.text, str(self.path), loaded.overrides_text)
        except Exception as failure:  # noqa: BLE001 - kept next time; paging goes on meanwhile
            log.warning("config.keep_failed", source=str(self.path), error=type(failure).__name__)

    def _reload(self) -> None:
        try:
            loaded = load_guarded(self.path, self.environ)
        except ConfigError as invalid:
            self.last_error = invalid
            if self.serving.startswith(str(self.path)):
                self.serving = f"the last good config ({self.serving})"
            self._loaded = self._noted(self._loaded)
            log.error(
                "config.reload_rejected",
                source=str(self.path),
                errors=[str(issue) for issue in invalid.errors],
                serving=self.serving,
            )
            return
        self.last_error = None
        self.serving = f"{self.path} (sha256 {fingerprint(loaded.text)[:12]})"
        self._keep(loaded)
        self._loaded = self._noted(loaded)
        known_secrets.remember(loaded.routing.private_values)
        log.info("config.reloaded", source=str(self.path))

    def _stat(self) -> tuple[tuple[int, int, int] | None, ...]:
        """The routing file's and its overrides file's versions: an edit of either reloads."""
        return (_version(self.path), _version(overrides_path(self.path)))


def _version(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)
