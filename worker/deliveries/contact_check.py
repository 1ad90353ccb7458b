"""Test pages (``muster test-page``): sent at once by the command, recorded like any page.

A person checks their contact details before their first shift: the command writes a delivery
per kind (purpose ``test_page``, about no incident), sends them through the same sending path
as the worker (claim, Apprise via :mod:`muster.channels`, retries, masking, recording with
attempts), and reads back how each ended. No worker need run. Each run is a test of its own:
its reason carries a fresh token, so a second test is sent again.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from muster.worker.core.paging.deliveries import DeliveryPurpose, DeliveryStatus
from muster.worker.core.paging.keys import page_test_key, page_test_reason
from muster.worker.core.rendering.contact_check import render_test_page
from muster.worker.deliveries.rows import insert_new, message_row
from muster.worker.deliveries.send import run_batch
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery


@dataclass(frozen=True, slots=True)
class Answer:
    """How the test page by ``kind`` ended: sent, or the provider's error (masked)."""

    kind: str
    sent: bool
    error: str | None
    delivery_id: int


def send_test_pages(rt: Runtime, person: str, kinds: Sequence[str], by: str | None) -> list[Answer]:
    """Send a test page to ``person`` by each of ``kinds`` now, recorded; what each answered."""
    routing = rt.config.current().routing
    now = rt.clock.now()
    token = secrets.token_hex(6)
    reason = page_test_reason(token)
    rows = [
        message_row(
            key=page_test_key(person, kind, token),
            purpose=DeliveryPurpose.TEST_PAGE,
            reason=reason,
            person=person,
            kind=kind,
            message=render_test_page(kind, routing.config, person, now, by),
            now=now,
        )
        for kind in kinds
    ]
    with rt.database.transaction() as session:
        ids = [row.id for row in insert_new(session, rows, known_new=True)]
    run_batch(rt, ids)
    with rt.database.transaction() as session:
        ended = session.execute(
            select(Delivery.id, Delivery.kind, Delivery.status, Delivery.last_error)
            .where(Delivery.id.in_(ids))
            .order_by(Delivery.id)
        ).all()
    return [
        Answer(kind, status == DeliveryStatus.SENT, error, delivery_id)
        for delivery_id, kind, status, error in ended
    ]
