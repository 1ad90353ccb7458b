"""The holds active at an instant: the config's window occurrences and, once merged, the
silences stored in the database.

This is the only place the worker learns what holds exist. Everything that asks whether an
incident is held (a declaration, the release scan, the pause scan) asks here at the instant it
decides, so a hold that ends early (a window edited away, a silence expired) is treated exactly
as one reaching its end: it is simply no longer returned.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from muster.worker.core.config.model import RoutingConfig
from muster.worker.core.decisions.holds import Hold
from muster.worker.core.decisions.windows import active_windows


def holds_at(session: Session, config: RoutingConfig, at: datetime) -> list[Hold]:
    """Every hold active at ``at``: window occurrences, then silences."""
    holds = active_windows(config, at)
    # SILENCES: holds += silence_holds(session, at)  (worker/store/silences.py, at merge)
    del session  # read by the silences' line above once it is wired in
    return holds
