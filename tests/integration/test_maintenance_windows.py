"""A maintenance window through a real broker and a real worker, on a controlled clock.

A window on payments-api runs from 11:00 to 13:00 (Dublin, GMT in November). At noon two SEV2s
on payments-api are declared through the broker: the incident room hears of each once, in one
line, and nobody is paged (the real SMS, chat and SMTP peers receive no page). Nothing more
until 13:00, when two scans run (two beats): each person the plan pages (commander bob, support
lead dmitri, scribe frank, payments SME heidi) receives one digest by each contact kind naming
both incidents, once; their escalation starts from 13:00 (SEV2: ten minutes).

"An hour later" takes no time: the test moves the clock and scans as beat would, through the
broker (tests/harness/clocked.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from muster.worker.store.models import Delivery
from tests.harness.clocked import ClockedWorker, clocked_worker
from tests.harness.configs import WEDNESDAY_NOON, stack_config
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.harness.servers import BROKERS, broker_url, postgres_database
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration]

END = WEDNESDAY_NOON + timedelta(hours=1)
FAILOVER = {
    "reason": "PostgreSQL failover, CHG-1234",
    "scope": {"services": ["payments-api"]},
    "start": "2026-11-25T11:00",
    "end": "2026-11-25T13:00",
}
SMS_OF = {"bob": "+353850000002", "dmitri": "+353850000004", "heidi": "+353850000008"}
PAGED = {
    ("bob", "sms"),
    ("bob", "chat"),
    ("dmitri", "sms"),
    ("dmitri", "chat"),
    ("heidi", "sms"),
    ("heidi", "chat"),
    ("frank", "email"),  # the scribe has no sms
    ("frank", "chat"),
}


class Peers:
    def __init__(self, smtp: SmtpPeer, chat: MattermostPeer, sms: SmsPeer) -> None:
        self.smtp, self.chat, self.sms = smtp, chat, sms

    def pages(self) -> list[str]:
        """Every message a person (not a room) received, as its text."""
        people = {"bob", "dmitri", "frank", "heidi", "alice", "carol", "erin", "grace", "judy"}
        return (
            [m.text for m in self.sms.messages]
            + [m.text for m in self.chat.messages if m.destination in people]
            + [m.text for m in self.smtp.messages]
        )

    def room(self, name: str) -> list[str]:
        return [m.text for m in self.chat.messages if m.destination == name]


@pytest.fixture(params=[*BROKERS, "redis+postgresql"])
def window_worker(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[ClockedWorker, Peers]]:
    """A clocked worker on the broker (and database) of the parameter, the demo team pointed at
    the peers, with the failover window."""
    kind, _, database = str(request.param).partition("+")
    with SmtpPeer() as smtp, MattermostPeer() as chat, SmsPeer() as sms:
        config = tmp_path / "routing.yaml"
        stack_config(config, smtp, chat, sms)
        document = yaml.safe_load(config.read_text())
        document["maintenance"] = {"windows": {"payments-failover": FAILOVER}}
        config.write_text(yaml.safe_dump(document, sort_keys=False))
        with (
            postgres_database()
            if database == "postgresql"
            else nullcontext(f"sqlite:///{tmp_path / 'muster.db'}") as url,
            clocked_worker(broker_url(kind, tmp_path), tmp_path) as worker,
            worker.stage(config, url),
        ):
            yield worker, Peers(smtp, chat, sms)


def rows(worker: ClockedWorker, **where: str) -> list[Delivery]:
    assert worker.database is not None
    with worker.database.transaction() as session:
        query = select(Delivery).order_by(Delivery.id)
        for column, value in where.items():
            query = query.where(getattr(Delivery, column) == value)
        found = list(session.scalars(query))
        session.expunge_all()
    return found


def test_declarations_in_a_window_page_nobody_and_its_end_pages_each_person_once(
    window_worker: tuple[ClockedWorker, Peers],
) -> None:
    worker, peers = window_worker
    client = worker.client()
    ids = []
    for n, title in enumerate(("Checkout slow", "Refunds failing")):
        worker.move_to(WEDNESDAY_NOON + timedelta(seconds=10 * n))
        ids.append(
            client.declare(title=title, impact="minor", urgency="high", services=["payments-api"])
        )
    wait_until(lambda: worker.settled() and len(peers.room("incidents")) == 2)
    assert all("held by window payments-failover" in text for text in peers.room("incidents"))

    worker.move_to(END - timedelta(milliseconds=100))
    worker.scan()
    assert peers.pages() == []
    assert rows(worker, purpose="page") == []

    worker.move_to(END)
    worker.scan()
    worker.scan()  # a second beat at the same instant
    wait_until(lambda: len(peers.pages()) >= len(PAGED))
    digests = rows(worker, purpose="digest")
    assert Counter((d.person, d.kind) for d in digests) == dict.fromkeys(PAGED, 1)
    assert {d.created_at for d in digests} == {END}
    assert all(d.status == "sent" for d in digests)
    assert len(peers.pages()) == len(PAGED)
    for person, number in SMS_OF.items():
        [text] = [m.text for m in peers.sms.messages if m.to == number]
        assert ids[0] in text, person
        assert ids[1] in text, person
    assert all(d.status == "digested" for d in rows(worker, purpose="page"))

    worker.move_to(END + timedelta(minutes=9, seconds=59))
    worker.scan()
    assert not [d for d in rows(worker) if d.reason.startswith("escalation:")]
    worker.move_to(END + timedelta(minutes=10))
    worker.scan()
    assert [d for d in rows(worker) if d.reason.startswith("escalation:")]
