"""The ``silences`` table: each silence added at run time, kept after it ends.

A row is never deleted: an ended or expired silence stays on record (who silenced what, when,
why, and who ended it early) for the incident review and ``muster silence list --all``. The
``announced_*`` and ``reminded_at`` columns are set once each, by a conditional update in the
transaction that writes the announcement, so two beats announce a silence once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.worker.store.base import Base, UtcDateTime


class SilenceRow(Base):
    """One silence: its scope (a window scope's fields, as JSON), span, author and reason."""

    __tablename__ = "silences"
    __table_args__ = (Index("ix_silences_ends", "ends_at"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)  # as added
    author: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(120))  # cli | web:CALLER
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # ended early
    expired_by: Mapped[str | None] = mapped_column(String(120))
    announced_created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    announced_ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
