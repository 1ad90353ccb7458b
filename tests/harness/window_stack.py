"""The demo team behind a maintenance window, on the real peers: what the window integration and
fault scenarios share.

``failover_config()`` writes the demo pointed at the peers (:func:`stack_config`) with a window on
payments-api from 11:00 to 13:00 that Wednesday (Dublin, GMT in November); two SEV2s declared at
noon are held by it, and at 13:00 the people in :data:`PAGED` each get one digest by each kind.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import select

from muster.worker.store.models import Delivery
from tests.harness.clocked import ClockedWorker
from tests.harness.configs import WEDNESDAY_NOON, stack_config
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer

END = WEDNESDAY_NOON + timedelta(hours=1)
FAILOVER = {
    "reason": "PostgreSQL failover, CHG-1234",
    "scope": {"services": ["payments-api"]},
    "start": "2026-11-25T11:00",
    "end": "2026-11-25T13:00",
}
SMS_OF = {"bob": "+353850000002", "dmitri": "+353850000004", "heidi": "+353850000008"}
# A SEV2 on payments-api pages the commander, the support lead, the scribe (no sms: email) and
# the payments SME, by sms and chat.
PAGED = {
    ("bob", "sms"),
    ("bob", "chat"),
    ("dmitri", "sms"),
    ("dmitri", "chat"),
    ("heidi", "sms"),
    ("heidi", "chat"),
    ("frank", "email"),
    ("frank", "chat"),
}
PEOPLE = {"alice", "bob", "carol", "dmitri", "erin", "frank", "grace", "heidi", "ivan", "judy"}


class Peers:
    """The SMTP, chat and SMS peers, read as people and rooms see them."""

    def __init__(self, smtp: SmtpPeer, chat: MattermostPeer, sms: SmsPeer) -> None:
        self.smtp, self.chat, self.sms = smtp, chat, sms

    def pages(self) -> list[str]:
        """Every message a person (not a room) received, as its text."""
        return (
            [m.text for m in self.sms.messages]
            + [m.text for m in self.chat.messages if m.destination in PEOPLE]
            + [m.text for m in self.smtp.messages]
        )

    def room(self, name: str) -> list[str]:
        return [m.text for m in self.chat.messages if m.destination == name]


def failover_config(path: Path, peers: Peers) -> None:
    """The demo on the peers, with the failover window."""
    stack_config(path, peers.smtp, peers.chat, peers.sms)
    document = yaml.safe_load(path.read_text())
    document["maintenance"] = {"windows": {"payments-failover": FAILOVER}}
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def declare_two_held(worker: ClockedWorker) -> list[str]:
    """Two SEV2s on payments-api at noon and ten seconds later, through the broker."""
    client = worker.client()
    ids = []
    for n, title in enumerate(("Checkout slow", "Refunds failing")):
        worker.move_to(WEDNESDAY_NOON + timedelta(seconds=10 * n))
        ids.append(
            client.declare(title=title, impact="minor", urgency="high", services=["payments-api"])
        )
    return ids


def rows(worker: ClockedWorker, **where: str) -> list[Delivery]:
    """The worker's delivery rows with these column values, detached."""
    assert worker.database is not None
    with worker.database.transaction() as session:
        query = select(Delivery).order_by(Delivery.id)
        for column, value in where.items():
            query = query.where(getattr(Delivery, column) == value)
        found = list(session.scalars(query))
        session.expunge_all()
    return found


def digests_by_person(worker: ClockedWorker) -> Counter[tuple[str | None, str]]:
    """How many digests each (person, kind) has."""
    return Counter((d.person, d.kind) for d in rows(worker, purpose="digest"))
