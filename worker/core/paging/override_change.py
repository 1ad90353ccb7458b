"""An override added to or removed from the overrides file, and the routing before and after it.

``muster override add|remove`` and ``muster take`` tell the worker what they changed, and the
worker tells the people whose shifts moved (:mod:`muster.worker.core.paging.shift_changes`).
The worker's own config may or may not have reloaded the file yet when it hears of the change,
so the routing before and after is built from the change itself: the config without the
override, and with it (in its place when the config already holds it, else last, where
``override add`` writes it). Either way the answer is the same, and a redelivered change is
the same change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from muster.worker.core.config.model import Override, RoutingConfig
from muster.worker.core.paging.keys import shift_notice_reason
from muster.worker.core.paging.rotations import as_utc

ADDED = "added"
REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class OverrideChange:
    """``person`` covers ``rotation`` from ``starts`` until ``until`` (UTC): the override
    ``ident``, ``added`` or removed by ``by`` (None: not known), for ``reason``."""

    ident: str
    added: bool
    rotation: str
    person: str
    starts: datetime
    until: datetime
    reason: str = ""
    by: str | None = None

    @property
    def action(self) -> str:
        """``added`` or ``removed``."""
        return ADDED if self.added else REMOVED

    @property
    def reason_key(self) -> str:
        """The delivery reason of this change's notices: told once per override and action."""
        return shift_notice_reason(f"{self.ident}:{self.action}")

    def swap(self) -> Override:
        """The override as the routing config holds it."""
        return Override.model_validate(
            {
                "rotation": self.rotation,
                "person": self.person,
                "from": self.starts,
                "until": self.until,
            }
        )


def _same(override: Override, change: OverrideChange, config: RoutingConfig) -> bool:
    zone = config.zone
    return (
        override.rotation == change.rotation
        and override.person == change.person
        and as_utc(override.starts, zone) == change.starts
        and as_utc(override.until, zone) == change.until
    )


def configs_around(
    config: RoutingConfig, change: OverrideChange
) -> tuple[RoutingConfig, RoutingConfig]:
    """The routing config before ``change`` and after it, from ``config`` (which may already
    hold the change or not)."""
    kept = list(config.overrides)
    index = next((i for i, o in enumerate(kept) if _same(o, change, config)), None)
    without = kept if index is None else kept[:index] + kept[index + 1 :]
    with_it = kept if index is not None else [*kept, change.swap()]
    before, after = (without, with_it) if change.added else (with_it, without)
    return (
        config.model_copy(update={"overrides": before}),
        config.model_copy(update={"overrides": after}),
    )
