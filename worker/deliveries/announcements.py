"""Announcements about no incident (a silence's or a maintenance window's start, end and
reminder): a delivery row per room, or per contact kind of the person reminded.

Written in the caller's transaction, the one that claims the announcement, and queued through
the outbox like every other message once it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.store.models import DELIVERIES


def write_announcements(
    session: Session,
    key: Callable[[str], str],
    reason: str,
    message: RenderedMessage,
    destinations: Iterable[str],
    now: datetime,
    person: str | None = None,
) -> list[int]:
    """A delivery per room in ``destinations`` (or, with ``person``, per contact kind of
    theirs), each keyed ``key(destination)``; the ids written."""
    purpose = DeliveryPurpose.BROADCAST if person is None else DeliveryPurpose.REMINDER
    values: list[dict[str, Any]] = [
        {
            "key": key(destination),
            "incident_id": None,
            "purpose": purpose,
            "reason": reason,
            "person": person,
            "kind": destination,
            "requested_kind": None,
            "page": None,
            "title": message.title,
            "body": message.body,
            "body_format": message.body_format,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "created_at": now,
            "lease_until": now,
        }
        for destination in destinations
    ]
    if not values:
        return []
    inserted = session.scalars(
        insert(DELIVERIES).returning(DELIVERIES.c.id, sort_by_parameter_order=True), values
    )
    return list(inserted)
