"""The ``pruned_overrides`` table: overrides ``muster override prune`` took out of the file.

A row is never deleted or changed: it is the record of who covered which shift, read back
wherever past shifts are shown (:func:`muster.worker.core.paging.override_history.with_history`).
``muster override prune`` writes its rows before it rewrites the file, and a row per override id
only, so a prune that failed after writing them, run again, records nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from muster.worker.core.config.model import Override
from muster.worker.store.base import Base, UtcDateTime


class PrunedOverride(Base):
    """One pruned override: its swap, why and by whom, and when it left the file. ``seq``
    keeps the order overrides were pruned in (the file's order within a prune), which decides
    who holds where two of them overlap."""

    __tablename__ = "pruned_overrides"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    override_id: Mapped[str] = mapped_column(String(250), unique=True)
    rotation: Mapped[str] = mapped_column(String(100))
    person: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    until: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(100))
    pruned_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True, slots=True)
class Pruned:
    """An override of the file as it is kept: ``starts`` and ``until`` aware UTC."""

    ident: str
    rotation: str
    person: str
    starts: datetime
    until: datetime
    reason: str = ""
    author: str | None = None


def keep(session: Session, pruned: Sequence[Pruned], at: datetime) -> int:
    """Record ``pruned`` (in order) as pruned at ``at``, skipping ids already recorded; how
    many rows were added."""
    idents = [one.ident for one in pruned]
    known = set(
        session.scalars(
            select(PrunedOverride.override_id).where(PrunedOverride.override_id.in_(idents))
        )
    )
    added = 0
    for one in pruned:
        if one.ident in known:
            continue
        known.add(one.ident)
        session.add(
            PrunedOverride(
                override_id=one.ident,
                rotation=one.rotation,
                person=one.person,
                starts_at=one.starts,
                until=one.until,
                reason=one.reason,
                author=one.author,
                pruned_at=at,
            )
        )
        added += 1
    session.flush()
    return added


def past_overrides(session: Session, since: datetime | None = None) -> list[Override]:
    """The pruned overrides (ending after ``since``, if given) as the routing config holds
    overrides, in the order they were pruned."""
    query = select(PrunedOverride).order_by(PrunedOverride.seq)
    if since is not None:
        query = query.where(PrunedOverride.until > since)
    return [
        Override.model_validate(
            {"rotation": r.rotation, "person": r.person, "from": r.starts_at, "until": r.until}
        )
        for r in session.scalars(query)
    ]
