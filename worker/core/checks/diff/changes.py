"""The whole diff of two configs: the risks the edit brings first, then shifts, first pages and
policy.

Risks (:mod:`.risks`) are what the edit introduces, not what was already there. The exit status
a CI job acts on is decided here, once, for every format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from muster.worker.core.checks.diff import CHANGED, RISKY, UNCHANGED
from muster.worker.core.checks.diff.alerts import AlertChange, alert_changes
from muster.worker.core.checks.diff.heartbeats import HeartbeatChange, heartbeat_changes
from muster.worker.core.checks.diff.pages import PageChanges, page_changes
from muster.worker.core.checks.diff.policy import PolicyChange, policy_changes
from muster.worker.core.checks.diff.risks import new_risks
from muster.worker.core.checks.diff.shifts import ShiftChange, edited_rotations, shift_changes
from muster.worker.core.checks.diff.windows import WindowChanges, hold_risks, window_changes
from muster.worker.core.config.issues import ConfigIssue
from muster.worker.core.intake.alerts import AlertWebhook
from muster.worker.core.paging.routing import Routing

"""``muster config diff``'s exit statuses: nothing changes for people; something does; the edit
brings a new risk (or the new side is invalid)."""


@dataclass(frozen=True, slots=True)
class ConfigDiff:
    """What an edit changes over ``[start, end)``."""

    start: datetime
    end: datetime
    risks: tuple[ConfigIssue, ...]
    shifts: tuple[ShiftChange, ...]
    pages: PageChanges
    policy: tuple[PolicyChange, ...]
    alerts: tuple[AlertChange, ...] = ()
    windows: WindowChanges = field(default_factory=WindowChanges)
    heartbeats: tuple[HeartbeatChange, ...] = ()

    @property
    def status(self) -> int:
        """The exit status for CI: :data:`RISKY`, :data:`CHANGED` or :data:`UNCHANGED`."""
        if self.risks:
            return RISKY
        sections = (self.shifts, self.pages, self.windows, self.heartbeats)
        changed = any(sections) or bool(self.policy or self.alerts)
        return CHANGED if changed else UNCHANGED


def config_diff(
    old: Routing,
    new: Routing,
    start: datetime,
    horizon: timedelta,
    alerts: Sequence[tuple[str, AlertWebhook]] = (),
) -> ConfigDiff:
    """Everything the edit from ``old`` to ``new`` changes from ``start`` for ``horizon``, and
    which of the example ``alerts`` (webhook bodies, each with where it came from) the intake
    classifies differently."""
    end = start + horizon
    edited = edited_rotations(old, new)
    windows = window_changes(old.config, new.config, start, end)
    return ConfigDiff(
        start,
        end,
        (*new_risks(old, new, start), *hold_risks(windows, new.config)),
        shift_changes(old, new, start, end, edited),
        page_changes(old, new, start, end, edited),
        policy_changes(old.config, new.config),
        alert_changes(old.config, new.config, alerts),
        windows,
        heartbeat_changes(old, new, start),
    )
