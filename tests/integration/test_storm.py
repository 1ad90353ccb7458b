"""An alert storm through a real broker and a real worker, on a controlled clock.

Ten SEV2s on payments-api in 90 s, then a SEV1: the demo team's commander (bob), support lead
(dmitri) and payments SME (heidi) are paged by sms and chat for each, under limits of sms 5 and
chat 3 per 15 minutes. What must hold, read from the real peers and the database:

- the limit holds per person and kind: 5 sms and 3 chat each in the window, no more;
- the SEV1's first page (bob by sms) goes at once past bob's full window; the rest of the SEV1
  is held like any page;
- at the window's end one digest per person and kind lists every held incident exactly once,
  and acknowledging a digest's link acknowledges each of its incidents for that person;
- a worker restarted mid-window neither forgets the window (the digest still comes, with what
  was held before the restart) nor sends a digest twice (two beats, a restart after it);
- escalation steps count against the limits of the people they page.

"5 minutes later" takes no time: the test moves the clock and scans as beat would, through the
broker (tests/harness/clocked.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from muster.config.loader import load_config
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident, TimelineEntry
from muster.worker.store.upkeep_models import PageWindow
from muster.worker.web.app import create_app
from muster.worker.web.context import WebContext
from muster.worker.web.database_reads import DatabaseLookups
from tests.harness.clocked import ClockedWorker, clocked_worker
from tests.harness.configs import WEDNESDAY_NOON, stack_config
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.harness.servers import BROKERS, broker_url, postgres_database
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration]

T0 = WEDNESDAY_NOON
WINDOW = timedelta(minutes=15)
NUMBERS = {"bob": "+353850000002", "dmitri": "+353850000004", "heidi": "+353850000008"}
ACK_SECRET = "storm-ack-secret-0123456789"
LIMITS = {"sms": 5, "chat": 3}


@dataclass
class Stage:
    home: Path
    config: Path
    database: str
    broker: str | None
    sms: SmsPeer
    chat: MattermostPeer


@pytest.fixture(params=[*BROKERS, "redis+postgresql"])
def stage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stage]:
    kind, _, database = str(request.param).partition("+")
    with SmtpPeer() as smtp, MattermostPeer() as chat, SmsPeer() as sms:
        config = tmp_path / "routing.yaml"
        stack_config(config, smtp, chat, sms)
        document = yaml.safe_load(config.read_text())
        document["limits"] = {
            "kinds": {kind: {"max": n, "per": "15m"} for kind, n in LIMITS.items()}
        }
        document["ack"] = {"url": "https://muster.test/ack", "secret": ACK_SECRET}
        config.write_text(yaml.safe_dump(document, sort_keys=False))
        url = broker_url(kind, tmp_path)
        if database == "postgresql":
            with postgres_database() as postgres:
                yield Stage(tmp_path, config, postgres, url, sms, chat)
        else:
            yield Stage(tmp_path, config, f"sqlite:///{tmp_path / 'muster.db'}", url, sms, chat)


@contextmanager
def worker_at(stage: Stage, at: datetime) -> Iterator[ClockedWorker]:
    """A worker on the stage's database, its clock at ``at``: a new process's runtime and queue,
    so a second one after the first has stopped is a restart."""
    with (
        clocked_worker(stage.broker, stage.home) as worker,
        worker.stage(stage.config, stage.database, start=at),
    ):
        yield worker


def storm(worker: ClockedWorker) -> tuple[list[str], str]:
    """Ten SEV2s, 10 s apart, then a SEV1 at +2m; each handled before the clock moves."""
    client = worker.client()
    sev2s = []
    for n in range(10):
        worker.move_to(T0 + timedelta(seconds=10 * n))
        sev2s.append(
            client.declare(
                title=f"Checkout slow {n}",
                impact="minor",
                urgency="high",
                services=["payments-api"],
            )
        )
        wait_until(lambda: worker.settled() and fanned_out(worker, len(sev2s)))
    worker.move_to(T0 + timedelta(minutes=2))
    sev1 = client.declare(
        title="Checkout down", impact="critical", urgency="high", services=["payments-api"]
    )
    wait_until(lambda: worker.settled() and fanned_out(worker, 11))
    return sev2s, sev1


def fanned_out(worker: ClockedWorker, count: int) -> bool:
    assert worker.database is not None
    with worker.database.transaction() as session:
        return len(list(session.scalars(select(Incident.id).where(Incident.fanned_out)))) == count


def rows(worker: ClockedWorker) -> list[Delivery]:
    assert worker.database is not None
    with worker.database.transaction() as session:
        found = list(session.scalars(select(Delivery).order_by(Delivery.id)))
        session.expunge_all()
    return found


def sms_to(stage: Stage, person: str) -> list[str]:
    return [m.text for m in stage.sms.messages if m.to == NUMBERS[person]]


def chat_to(stage: Stage, person: str) -> list[str]:
    return [m.text for m in stage.chat.messages if m.destination == person]


def scan_at(worker: ClockedWorker, at: datetime, beats: int = 1) -> None:
    worker.move_to(at)
    for _ in range(beats):
        worker.scan()


def test_a_storm_pages_each_person_within_the_limits_and_digests_the_rest(stage: Stage) -> None:
    with worker_at(stage, T0) as running:
        sev2s, sev1 = storm(running)
        held = the_window_sends_the_limits_and_the_sev1_first_page(stage, running, sev2s, sev1)

    # A restart mid-window: the new worker finds the window in the database.
    with worker_at(stage, T0 + timedelta(minutes=3)) as worker:
        scan_at(worker, T0 + WINDOW - timedelta(milliseconds=100))
        assert [d for d in rows(worker) if d.purpose == "digest"] == []
        scan_at(worker, T0 + WINDOW, beats=2)  # two beats at the window's end
        wait_until(worker.settled)
        found = rows(worker)
        digests = [d for d in found if d.purpose == "digest"]
        keys = {(d.person, d.kind) for d in digests}
        assert len(keys) == len(digests)
        assert set(held) <= keys  # what was held before the restart is in the digests
        for digest in digests:  # other digests carry escalation steps, which count too
            if (digest.person, digest.kind) not in held:
                reasons = {d.reason for d in found if d.digest == digest.reason}
                assert reasons, digest.reason
                assert all(r.startswith("escalation:") for r in reasons), reasons
        check_every_held_incident_is_in_one_digest(worker, stage, sev2s, sev1)
        acknowledge_by_digest_link(worker, stage)

    # Restarted again after the digests: none is sent twice; the summaries count what was held.
    with worker_at(stage, T0 + WINDOW + timedelta(seconds=30)) as worker:
        for minute in range(1, 4):
            scan_at(worker, T0 + WINDOW + timedelta(minutes=minute))
        wait_until(worker.settled)
        again = [d for d in rows(worker) if d.purpose == "digest"]
        assert {d.id for d in again if d.reason.endswith(T0.isoformat())} == {d.id for d in digests}
        assert len({(d.person, d.kind, d.reason) for d in again}) == len(again)
        check_limits_hold_for_everyone(worker)
        summary = wait_until(
            lambda: next(
                (
                    m.text
                    for m in stage.chat.messages
                    if m.destination == "incident-summaries" and sev2s[9] in m.text
                ),
                None,
            )
        )
        assert re.search(r"Paging limits: \d+ pages since declared held for digests", summary)


def the_window_sends_the_limits_and_the_sev1_first_page(
    stage: Stage, running: ClockedWorker, sev2s: list[str], sev1: str
) -> Counter[tuple[str | None, str]]:

    # The window: 5 sms and 3 chat each; bob's SEV1 first page on top, never held.
    wait_until(lambda: len(sms_to(stage, "bob")) == 6)
    assert [t.split(":")[0] for t in sms_to(stage, "bob")] == [
        *(f"SEV2 {i}" for i in sev2s[:5]),
        f"SEV1 {sev1}",
    ]
    for person in ("dmitri", "heidi"):
        assert len(sms_to(stage, person)) == 5
    for person in ("bob", "dmitri", "heidi", "frank"):
        assert len(chat_to(stage, person)) == 3
    held = Counter((d.person, d.kind) for d in rows(running) if d.status == "held")
    assert held == {
        ("bob", "sms"): 5,  # SEV2s 5-9; the SEV1 went past
        ("dmitri", "sms"): 6,  # and the SEV1's
        ("heidi", "sms"): 6,
        ("bob", "chat"): 8,
        ("dmitri", "chat"): 8,
        ("heidi", "chat"): 8,
        ("frank", "chat"): 8,  # the scribe: chat, and email for sms (20 a window: none held)
    }

    return held


def check_every_held_incident_is_in_one_digest(
    worker: ClockedWorker, stage: Stage, sev2s: list[str], sev1: str
) -> None:
    """Each digest names exactly the incidents whose pages it carried, each once; bob's chat
    digest, as he reads it, lists SEV2s 3-9 and the SEV1."""
    found = rows(worker)
    for digest in (d for d in found if d.purpose == "digest"):
        carried = {
            d.incident_id for d in found if d.digest == digest.reason and d.person == digest.person
        }
        assert carried, digest.reason
        if digest.kind == "chat":
            for incident in carried:
                assert digest.body.count(f"`{incident}`") == 1
    assert worker.database is not None
    with worker.database.transaction() as session:  # what is still held waits for a later end
        for window in session.scalars(select(PageWindow).where(PageWindow.held > 0)):
            assert window.closes_at is not None
            assert window.closes_at > worker.clock.now()
            assert window.opened_at is not None
            assert window.opened_at > T0
    wait_until(lambda: any("more incidents" in t for t in chat_to(stage, "bob")))
    bob = next(t for t in chat_to(stage, "bob") if "more incidents" in t)
    assert "**8 more incidents** while paging was limited:" in bob
    listed = re.findall(r"\(`([^`]+)`\)", bob)
    assert listed == [*sev2s[3:], sev1]


def acknowledge_by_digest_link(worker: ClockedWorker, stage: Stage) -> None:
    """dmitri opens his chat digest's link and presses the button: each of its 8 incidents is
    acknowledged for him, through the web process and the broker."""
    text = next(t for t in chat_to(stage, "dmitri") if "more incidents" in t)
    link = re.search(r"\(https://muster\.test(/ack/[^)]+)\)", text)
    assert link is not None
    assert worker.database is not None
    config = load_config(stage.config, {}).routing.config
    client = worker.client()
    context = WebContext(
        config=lambda: config,
        publish=client.send,
        incidents=DatabaseLookups(Database(worker.database.engine)),
        now=worker.clock.now,  # the link was issued on the worker's clock
    )
    with TestClient(create_app(context)) as web:
        assert web.post(link.group(1)).status_code == 200

    def acknowledged() -> set[str]:
        assert worker.database is not None
        with worker.database.transaction() as session:
            return set(
                session.scalars(
                    select(TimelineEntry.incident_id).where(
                        TimelineEntry.kind == "acknowledged", TimelineEntry.actor == "dmitri"
                    )
                )
            )

    carried = {d.incident_id for d in rows(worker) if d.digest and d.person == "dmitri"}
    assert len(carried) == 8
    wait_until(lambda: acknowledged() == carried)


def check_limits_hold_for_everyone(worker: ClockedWorker) -> None:
    """Replaying every sent page and digest of each person and kind (escalations too): no
    window sent more than its limit, but for the SEV1's first page."""
    found = rows(worker)
    firsts = {}
    for d in found:
        firsts.setdefault(d.incident_id, d.id)
    by_key: dict[tuple[str, str], list[Delivery]] = {}
    for d in found:
        if d.purpose in {"page", "digest"} and d.person and d.status == "sent":
            by_key.setdefault((d.person, d.kind), []).append(d)
    for (person, kind), sent in by_key.items():
        opened: datetime | None = None
        count = 0
        for d in sorted(sent, key=lambda d: (d.created_at, d.id)):
            if d.purpose == "page" and firsts[d.incident_id] == d.id and "SEV1" in d.body:
                continue  # the top-severity first page, outside the limit
            if d.purpose == "digest" or opened is None or d.created_at >= opened + WINDOW:
                opened, count = d.created_at, 0
            count += 1
            assert count <= LIMITS.get(kind, 20), (person, kind, d.created_at)
