"""Storm control in the worker, on SQLite and PostgreSQL: pages over a person's limit are held
in the transaction that writes them, and the scan sends one digest per person and kind when the
window closes — once, however many scans run — carrying every held incident once.

The demo config's SEV2 pages the commander (bob), the support lead (dmitri) and the payments SME
(heidi) by sms and chat: seven SEV2s in seven minutes are 5 sms each and 2 held, by default.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from muster.worker.observe.metrics import DIGESTS
from muster.worker.runtime import Runtime
from muster.worker.store.models import Delivery, TimelineEntry
from muster.worker.store.upkeep_models import PageWindow
from muster.worker.timers.scan import scan
from tests.harness.configs import WEDNESDAY_NOON
from tests.harness.declarations import declare
from tests.harness.runtimes import BOTH_DATABASES, clock

pytestmark = [pytest.mark.integration, pytest.mark.runtime(databases=BOTH_DATABASES)]
MINUTE = timedelta(minutes=1)


def declare_sev2(rt: Runtime, n: int, impact: str = "minor", **send_first_page: Any) -> str:
    """SEV2 by default (minor × high) on payments-api, handled as the worker does."""
    incident_id = f"inc-{n}"
    title = f"Checkout slow {n}"
    declare(rt, f"m-{n}", incident_id=incident_id, title=title, impact=impact, **send_first_page)
    return incident_id


def pages(rt: Runtime, person: str, kind: str) -> Counter[str]:
    with rt.database.transaction() as session:
        return Counter(
            session.scalars(
                select(Delivery.status).where(
                    Delivery.person == person, Delivery.kind == kind, Delivery.purpose == "page"
                )
            )
        )


def digests(rt: Runtime) -> list[Delivery]:
    with rt.database.transaction() as session:
        rows = list(
            session.scalars(
                select(Delivery).where(Delivery.purpose == "digest").order_by(Delivery.id)
            )
        )
        session.expunge_all()
        return rows


def seven_sev2s(rt: Runtime) -> list[str]:
    incidents = []
    for n in range(7):
        incidents.append(declare_sev2(rt, n, send_first_page=lambda _rows: None))
        clock(rt).advance(MINUTE)
    return incidents


class TestHolding:
    def test_the_sixth_and_seventh_sms_to_each_person_are_held_chat_is_not(
        self, rt: Runtime
    ) -> None:
        seven_sev2s(rt)
        for person in ("bob", "dmitri", "heidi"):
            statuses = pages(rt, person, "sms")
            assert statuses["held"] == 2, person
            assert sum(statuses.values()) == 7
            assert "held" not in pages(rt, person, "chat")
        with rt.database.transaction() as session:
            window = session.get_one(PageWindow, ("bob", "sms"))
            assert (window.sent, window.held) == (5, 2)
            assert window.closes_at == WEDNESDAY_NOON + 15 * MINUTE
            held = list(
                session.scalars(select(TimelineEntry).where(TimelineEntry.kind == "page_held"))
            )
        assert len(held) == 6
        assert {entry.incident_id for entry in held} == {"inc-5", "inc-6"}
        assert all("over 5/15m" in entry.text for entry in held)

    def test_a_sev1_first_page_goes_past_a_full_window_the_rest_of_it_does_not(
        self, rt: Runtime
    ) -> None:
        seven_sev2s(rt)
        declare_sev2(rt, 99, impact="critical", send_first_page=lambda _rows: None)
        with rt.database.transaction() as session:
            first = session.scalar(
                select(Delivery.status).where(
                    Delivery.incident_id == "inc-99",
                    Delivery.person == "bob",
                    Delivery.kind == "sms",
                )
            )
            dmitri = session.scalar(
                select(Delivery.status).where(
                    Delivery.incident_id == "inc-99",
                    Delivery.person == "dmitri",
                    Delivery.kind == "sms",
                )
            )
        assert (first, dmitri) == ("sending", "held")
        assert pages(rt, "bob", "sms")["held"] == 2  # the SEV1 first page was not counted

    def test_held_first_pages_are_not_handed_to_the_first_page_sender(self, rt: Runtime) -> None:
        handed: list[Any] = []
        for n in range(7):
            declare_sev2(rt, n, send_first_page=handed.extend)
        assert [row.incident_id for row in handed] == [f"inc-{n}" for n in range(5)]


class TestDigest:
    def test_the_scan_at_the_window_end_sends_one_digest_per_person_and_kind(
        self, rt: Runtime
    ) -> None:
        seven_sev2s(rt)
        clock(rt).set(WEDNESDAY_NOON + 15 * MINUTE - timedelta(milliseconds=100))
        scan(rt)
        assert digests(rt) == []
        clock(rt).set(WEDNESDAY_NOON + 15 * MINUTE)
        created = scan(rt)
        sent = digests(rt)
        assert sorted((d.person, d.kind) for d in sent) == [
            ("bob", "sms"),
            ("dmitri", "sms"),
            ("heidi", "sms"),
        ]
        assert {d.id for d in sent} <= set(created)
        assert all(d.body.startswith("muster: 2 more incidents") for d in sent)
        assert all("inc-5" in d.body and "inc-6" in d.body for d in sent)
        assert pages(rt, "bob", "sms") == Counter({"sending": 5, "digested": 2})
        with rt.database.transaction() as session:
            window = session.get_one(PageWindow, ("bob", "sms"))
            assert (window.sent, window.held) == (1, 0)  # the digest opened the next window
            assert window.opened_at == WEDNESDAY_NOON + 15 * MINUTE
            entries = list(
                session.scalars(select(TimelineEntry).where(TimelineEntry.kind == "digest"))
            )
        assert Counter(e.incident_id for e in entries) == {"inc-5": 3, "inc-6": 3}

    def test_four_concurrent_scans_and_later_ones_send_each_digest_once(self, rt: Runtime) -> None:
        seven_sev2s(rt)
        clock(rt).set(WEDNESDAY_NOON + 16 * MINUTE)
        counted_before = sum(DIGESTS.labels(kind)._value.get() for kind in ("sms", "chat", "email"))
        scans = [threading.Thread(target=scan, args=(rt,)) for _ in range(4)]
        for thread in scans:
            thread.start()
        for thread in scans:
            thread.join()
        first_window = [d for d in digests(rt) if d.reason.endswith(WEDNESDAY_NOON.isoformat())]
        assert len(first_window) == 3
        counted = sum(DIGESTS.labels(kind)._value.get() for kind in ("sms", "chat", "email"))
        assert counted - counted_before == 3, "each digest counted once, by the scan that wrote it"
        for _ in range(40):  # escalations go on paging; later windows have digests of their own
            clock(rt).advance(MINUTE)
            scan(rt)
        sent = digests(rt)
        assert len({(d.person, d.kind, d.reason) for d in sent}) == len(sent)
        with rt.database.transaction() as session:  # nothing is held past its window's end
            due = select(PageWindow).where(PageWindow.held > 0)
            assert all(w.closes_at > rt.clock.now() for w in session.scalars(due))

    def test_an_incident_paged_twice_in_a_window_is_one_line_of_its_digest(
        self, rt: Runtime
    ) -> None:
        """Escalations count: bob's SEV2 chain climbs to laura, then back to bob (+20m)."""
        rt.config.path.write_text(
            rt.config.path.read_text() + "limits: {kinds: {sms: {max: 1, per: 1h}}}\n"
        )
        declare_sev2(rt, 1, send_first_page=lambda _rows: None)
        declare_sev2(rt, 2, send_first_page=lambda _rows: None)
        for _ in range(25):  # bob's own chain pages him again (repeat) at +20m
            clock(rt).advance(MINUTE)
            scan(rt)
        clock(rt).set(WEDNESDAY_NOON + timedelta(hours=1))
        scan(rt)
        bob = [d for d in digests(rt) if d.person == "bob"]
        assert len(bob) == 1
        assert bob[0].body.count("inc-2") == 1
        assert "2 more incidents" in bob[0].body
