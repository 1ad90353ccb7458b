"""What maintenance windows and silences hold: one row per incident held, durable until its
release.

A row is written in the transaction that decides the hold: a declaration held at its instant
(``mode`` ``declaration``, in the declaration's first commit), or an incident whose escalations a
window with ``existing: pause`` paused (``mode`` ``paused``, the remaining time of each timer in
``data``). It records the hold that decided it (kind, name, reason, ``on_end``) for the timeline,
the summary and the metrics, never its end: the end is re-evaluated at every scan
(:mod:`muster.worker.holds.release`), so a window edited away or a silence expired early releases
what it held as one reaching its end does. ``released_at`` is set once, by a conditional update
in the transaction that writes the release's pages: that is what makes the release happen once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.worker.store.base import Base, UtcDateTime


class HeldIncident(Base):
    """An incident a hold keeps from paging (or from escalating), until its release."""

    __tablename__ = "held_incidents"
    __table_args__ = (Index("ix_held_incidents_open", "released_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    mode: Mapped[str] = mapped_column(String(20))  # declaration | paused
    hold_kind: Mapped[str] = mapped_column(String(20))  # window | silence
    hold_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    on_end: Mapped[str] = mapped_column(String(20))  # page | nothing
    held_at: Mapped[datetime] = mapped_column(UtcDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))  # how its release ended it
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


HELD_INCIDENTS = cast(Table, HeldIncident.__table__)
