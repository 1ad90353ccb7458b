"""The holds active at an instant: the config's window occurrences and the silences stored in
the database.

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
from muster.worker.store.silences import silence_holds


def holds_at(session: Session, config: RoutingConfig, at: datetime) -> list[Hold]:
    """Every hold active at ``at``: window occurrences, then silences."""
    silences = [hold for hold in silence_holds(session, at) if hold.active(at)]
    return [*active_windows(config, at), *silences]
