"""A page no contact kind delivered, told to a human through the delivery pipeline itself.

The demo team at WEDNESDAY_NOON (bob commands, laura is his next level, heidi is the payments
SME) on a real database — SQLite and PostgreSQL, whose locking the "last failure decides" rule
rests on — with a recording sender that fails whole people, and a manual clock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import timedelta

import pytest
from sqlalchemy import select

from muster.channels.sender import SendResult
from muster.worker.clock import ManualClock
from muster.worker.core.rendering.render import RenderedMessage
from muster.worker.deliveries.send import run_delivery
from muster.worker.incidents.resolved import handle_resolved
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery, TimelineEntry
from muster.worker.timers.scan import scan
from tests.harness.declarations import declare
from tests.harness.logs import captured_logs
from tests.harness.runtimes import BOTH_DATABASES, RecordingSender

REFUSED = SendResult(ok=False, retryable=False, error="http-400: refused")
# Every outbox URL that reaches each person, and the incident room.
URLS = {
    "heidi": ("outbox://sms/+353850000008", "outbox://email/heidi@", "outbox://chat/heidi"),
    "bob": ("outbox://sms/+353850000002", "outbox://email/bob@", "outbox://chat/bob"),
    "incident_room": ("outbox://room/incidents",),
}
HEIDI = "Heidi Berg (heidi) could not be reached by sms, email, chat"


class FailingSender(RecordingSender):
    """Refuses every send to the people (or rooms) in ``down`` except by the URLs ``spared``;
    ``barrier`` holds each refusal until that many sends are refusing at once, so their
    failures are recorded together."""

    def __init__(self) -> None:
        super().__init__()
        self.down: set[str] = set()
        self.spared: set[str] = set()
        self.barrier: threading.Barrier | None = None

    def __call__(self, url: str, message: RenderedMessage) -> SendResult:
        self.sent.append((url, message))
        refused = {prefix for who in self.down for prefix in URLS[who]} - self.spared
        if any(url.startswith(prefix) for prefix in refused):
            if self.barrier is not None:
                self.barrier.wait(timeout=10)
            return REFUSED
        return SendResult(ok=True)


pytestmark = pytest.mark.runtime(databases=BOTH_DATABASES, sender=FailingSender)


def sender(rt: Runtime) -> FailingSender:
    assert isinstance(rt.sender, FailingSender)
    return rt.sender


def deliver_all(rt: Runtime, ids: Iterable[int]) -> None:
    """Run deliveries and their follow-ups (fallbacks, notices) until none are left."""
    queue = list(ids)
    while queue:
        queue += run_delivery(rt, queue.pop(0))


def fail_together(rt: Runtime, ids: list[int]) -> list[int]:
    """Run ``ids`` on a thread each, their refusals held until all are refusing at once (their
    failures are recorded together, as on that many workers); returns their follow-ups."""
    sender(rt).barrier = threading.Barrier(len(ids))
    follow_ups: list[int] = []
    threads = [
        threading.Thread(target=lambda i=i: follow_ups.extend(run_delivery(rt, i))) for i in ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sender(rt).barrier = None
    return follow_ups


def notices(rt: Runtime) -> list[tuple[str, str, str]]:
    """(person or room, kind, status) of every notice delivery, in order."""
    with rt.database.transaction() as session:
        rows = session.scalars(
            select(Delivery).where(Delivery.reason.like("unreachable:%")).order_by(Delivery.id)
        )
        return [(row.person or row.kind, row.kind, row.status) for row in rows]


def entries(rt: Runtime, *kinds: str) -> list[tuple[str | None, str]]:
    with rt.database.transaction() as session:
        rows = session.scalars(
            select(TimelineEntry).where(TimelineEntry.kind.in_(kinds)).order_by(TimelineEntry.id)
        )
        return [(row.actor, row.text) for row in rows]


def texts(rt: Runtime, fragment: str) -> list[str]:
    return [message.body for message in sender(rt).to(fragment)]


class TestTellingAHuman:
    def test_an_unreachable_sme_is_told_to_the_commander_and_the_room(self, rt: Runtime) -> None:
        """Heidi's sms, email and chat all fail: bob hears it by each SEV1 kind, the incident
        room once; the timeline says so once; nothing else is sent."""
        sender(rt).down = {"heidi"}
        deliver_all(rt, declare(rt).deliveries)
        assert notices(rt) == [
            ("bob", "sms", "sent"),
            ("bob", "email", "sent"),
            ("bob", "chat", "sent"),
            ("incident_room", "incident_room", "sent"),
        ]
        assert entries(rt, "page_undeliverable") == [
            (
                "heidi",
                "heidi could not be reached by sms, email, chat:"
                " telling bob (Incident commander), incident_room",
            )
        ]
        for fragment in ("sms/+353850000002", "email/bob@", "chat/bob", "room/incidents"):
            assert [HEIDI in body for body in texts(rt, fragment)].count(True) == 1
        assert len(sender(rt).sent) == 13 + 4  # the declaration's pages and rooms, the notices

    def test_a_kind_that_still_reaches_them_is_not_a_failure_to_reach(self, rt: Runtime) -> None:
        """Heidi's sms and chat fail but her email goes out: nobody is told anything."""
        sender(rt).down = {"heidi"}
        sender(rt).spared = {"outbox://email/heidi@"}
        deliver_all(rt, declare(rt).deliveries)
        assert notices(rt) == []
        assert entries(rt, "page_undeliverable") == []

    def test_an_unreachable_commander_is_told_to_his_next_level(self, rt: Runtime) -> None:
        """Bob commands: laura (eng-managers) and the room hear it, bob is not told of himself."""
        sender(rt).down = {"bob"}
        deliver_all(rt, declare(rt).deliveries)
        assert notices(rt) == [
            ("laura", "sms", "sent"),
            ("laura", "email", "sent"),
            ("laura", "chat", "sent"),
            ("incident_room", "incident_room", "sent"),
        ]
        assert texts(rt, "chat/laura")[-1].startswith(
            "SEV1 inc-1: Bob Okafor (bob) could not be reached by sms, email, chat"
            " (paged as Incident commander)"
        )

    def test_a_failed_notice_is_never_noticed_and_the_timeline_says_nobody_was_told(
        self, rt: Runtime
    ) -> None:
        """Heidi, bob and the room are all down: bob's and the room's notices about heidi fail,
        which the timeline says, once; bob's own failed page goes to laura; no notice about a
        notice."""
        sender(rt).down = {"heidi", "bob", "incident_room"}
        deliver_all(rt, declare(rt).deliveries)
        about = {row[0] for row in notices(rt)}
        assert about == {"bob", "laura", "incident_room"}  # never a notice to laura about bob's
        assert len(notices(rt)) == 8  # heidi's: bob x3 + room; bob's: laura x3 + room
        assert entries(rt, "notice_undeliverable") == [
            ("bob", "bob could not be reached by sms, email, chat")
        ]
        assert entries(rt, "unreachable_untold") == [
            (
                "heidi",
                "nobody could be told that heidi could not be reached:"
                " the notices to bob, incident_room failed too",
            )
        ]
        deliver_all(rt, [row.id for row in _all(rt)])  # every task delivered again: no change
        assert len(notices(rt)) == 8

    def test_failures_recorded_at_once_tell_once(self, rt: Runtime) -> None:
        """Heidi's three pages fail on three workers together: exactly one of the recordings
        finds nothing left reaching her, so she is told about once."""
        sender(rt).down = {"heidi"}
        ids = declare(rt).deliveries
        heidi = [row.id for row in _all(rt) if row.person == "heidi"]
        deliver_all(rt, [*fail_together(rt, heidi), *(i for i in ids if i not in heidi)])
        assert len(entries(rt, "page_undeliverable")) == 1
        assert [row[0] for row in notices(rt)] == ["bob", "bob", "bob", "incident_room"]

    def test_two_kinds_failing_at_once_fall_back_to_one_email(self, rt: Runtime) -> None:
        """A SEV2 pages Heidi by sms and chat; both fail on two workers together and both fall
        back to email: one email page is added (the second finds the first's), it reaches
        her, both failures are recorded, and nobody is told she is unreachable."""
        sender(rt).down = {"heidi"}
        sender(rt).spared = {"outbox://email/heidi@"}
        ids = declare(rt, urgency="low").deliveries
        heidi = [row.id for row in _all(rt) if row.person == "heidi"]
        assert len(heidi) == 2
        deliver_all(rt, [*fail_together(rt, heidi), *(i for i in ids if i not in heidi)])
        mine = [(row.kind, row.status) for row in _all(rt) if row.person == "heidi"]
        assert sorted(mine) == [("chat", "failed"), ("email", "sent"), ("sms", "failed")]
        assert notices(rt) == []

    def test_after_resolution_the_timeline_says_it_and_nobody_is_paged(self, rt: Runtime) -> None:
        """A page that fails once the incident is resolved is recorded, not noticed."""
        sender(rt).down = {"heidi"}
        ids = declare(rt).deliveries
        message = parse("muster.incident.resolved", {"incident_id": "inc-1", "text": "ok"})
        deliver_all(rt, [*ids, *handle_resolved(rt, message, "m-resolve").deliveries])
        assert notices(rt) == []
        assert entries(rt, "page_undeliverable") == [
            ("heidi", "heidi could not be reached by sms, email, chat (incident resolved)")
        ]


class TestWhatItSays:
    def test_every_summary_lists_the_failed_pages(self, rt: Runtime) -> None:
        """The +15 summary and the final one both say who could not be reached, by what."""
        sender(rt).down = {"heidi"}
        deliver_all(rt, declare(rt).deliveries)
        assert isinstance(rt.clock, ManualClock)
        for _ in range(15):
            rt.clock.advance(timedelta(minutes=1))
            deliver_all(rt, scan(rt))
        message = parse("muster.incident.resolved", {"incident_id": "inc-1", "text": "ok"})
        deliver_all(rt, handle_resolved(rt, message, "m-resolve").deliveries)
        summaries = texts(rt, "room/incident-summaries")
        assert len(summaries) == 2
        line = "Could not be reached: Heidi Berg (SME payments-api; tried sms, email, chat)"
        assert line in summaries[0].splitlines()
        assert "Could not be reached: Heidi Berg (SME payments-api; 2 pages" in summaries[1]

    def test_no_address_or_secret_in_notices_timeline_or_logs(self, rt: Runtime) -> None:
        """People by config name, kinds by kind: no phone number or email address anywhere."""
        sender(rt).down = {"heidi", "bob", "incident_room"}
        with captured_logs() as logs:
            deliver_all(rt, declare(rt).deliveries)
        private = rt.config.current().routing.private_values
        assert private
        with rt.database.transaction() as session:
            words = [e.text for e in session.scalars(select(TimelineEntry))]
            words += [str(e.data) for e in session.scalars(select(TimelineEntry))]
            words += [
                d.title + d.body
                for d in session.scalars(select(Delivery).where(Delivery.purpose == "notice"))
            ]
        words += [repr(event) for event in logs]
        assert any("page.undeliverable" in word for word in words)
        assert [w for w in words if any(secret in w for secret in private)] == []


def _all(rt: Runtime) -> list[Delivery]:
    with rt.database.transaction() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))
