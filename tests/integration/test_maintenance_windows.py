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

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

import pytest

from tests.harness.clocked import ClockedWorker, clocked_worker
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.harness.servers import BROKERS, broker_url, postgres_database
from tests.harness.waiting import wait_until
from tests.harness.window_stack import (
    END,
    PAGED,
    SMS_OF,
    Peers,
    declare_two_held,
    digests_by_person,
    failover_config,
    rows,
)

pytestmark = [pytest.mark.integration]


@pytest.fixture(params=[*BROKERS, "redis+postgresql"])
def window_worker(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[ClockedWorker, Peers]]:
    """A clocked worker on the broker (and database) of the parameter, the demo team pointed at
    the peers, with the failover window."""
    kind, _, database = str(request.param).partition("+")
    with SmtpPeer() as smtp, MattermostPeer() as chat, SmsPeer() as sms:
        peers = Peers(smtp, chat, sms)
        config = tmp_path / "routing.yaml"
        failover_config(config, peers)
        with (
            postgres_database()
            if database == "postgresql"
            else nullcontext(f"sqlite:///{tmp_path / 'muster.db'}") as url,
            clocked_worker(broker_url(kind, tmp_path), tmp_path) as worker,
            worker.stage(config, url),
        ):
            yield worker, peers


def test_declarations_in_a_window_page_nobody_and_its_end_pages_each_person_once(
    window_worker: tuple[ClockedWorker, Peers],
) -> None:
    worker, peers = window_worker
    ids = declare_two_held(worker)
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
    assert digests_by_person(worker) == dict.fromkeys(PAGED, 1)
    assert {d.created_at for d in rows(worker, purpose="digest")} == {END}
    assert all(d.status == "sent" for d in rows(worker, purpose="digest"))
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
