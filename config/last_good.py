"""The last good config, kept outside the file: what a process pages with while the file is bad.

A config that loads cleanly is handed to a :class:`Keeper` (the database's, in
:mod:`muster.worker.store.good_config`); a process that starts while the file on disk is invalid
asks the keeper for it instead of not starting. What is kept is the text as written, with
``${NAME}`` unfilled: secrets stay in the environment, and are filled in again on load. The
overrides file beside it (:mod:`muster.config.overrides_file`) is kept with it, as the pair that
loaded together: a process started while either file is bad pages with the cover last in force.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from muster.config.overrides_file import OverridesText


def fingerprint(text: str) -> str:
    """The SHA-256 of a config's text: which version is served, in logs and ``/readyz``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KeptConfig:
    """A config text that once loaded cleanly, where it was read from, and when it was kept."""

    text: str
    source: str
    sha256: str
    stored_at: datetime
    overrides: OverridesText | None = None  # the overrides file that loaded with it, if any

    def describe(self) -> str:
        """How logs, ``/readyz`` and summaries name it."""
        stored = f"{self.stored_at:%Y-%m-%d %H:%M} UTC"
        cover = ", with its overrides file" if self.overrides is not None else ""
        return f"the last good config (sha256 {self.sha256[:12]}, stored {stored}{cover})"


class Keeper(Protocol):
    """Where the last good config is kept, and read back from."""

    def keep(self, text: str, source: str, overrides: OverridesText | None = None) -> None:
        """Remember ``text`` (read from ``source``), with the overrides file that loaded with it
        (None: there was none), as the last good config."""

    def last_good(self) -> KeptConfig | None:
        """The config last kept, or None if none ever was."""
