"""The ``window_edges`` table: each maintenance window edge announced (or being announced).

Windows live in the config, not the database, so what makes an announcement happen once is a
row here, keyed by (window, occurrence start, edge) under a unique constraint and inserted with
``ON CONFLICT DO NOTHING`` in the transaction that writes the announcement's deliveries: two
beats scanning at once insert it once (on PostgreSQL the second's insert waits for the first's
commit, then inserts nothing), and a beat killed before its commit leaves it to the next scan.
A start row also records the occurrence's end as last seen, its reason and its rooms, so its
end can be announced to the same rooms once the window is gone from the config.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from muster.worker.store.base import Base, UtcDateTime


class WindowEdge(Base):
    """One edge of one occurrence of a window: started, ended or reminder."""

    __tablename__ = "window_edges"
    __table_args__ = (
        UniqueConstraint("window_name", "starts_at", "edge", name="uq_window_edges"),
        Index("ix_window_edges_open", "edge", "ends_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    window_name: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the occurrence's start
    edge: Mapped[str] = mapped_column(String(20))  # started | ended | reminder
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)  # its end as last seen (or ended at)
    reason: Mapped[str] = mapped_column(Text)
    rooms: Mapped[list[Any]] = mapped_column(JSON)  # where a start went (and its end goes)
    announced_at: Mapped[datetime] = mapped_column(UtcDateTime)


WINDOW_EDGES = cast(Table, WindowEdge.__table__)
