"""An override added with ``muster override add`` changes who a running ``muster worker`` pages,
from the override's first second to its last, and the people whose shift it moves are told.

Real processes on the embedded broker and a SQLite database (and, for the notices and one
page, on Redis and RabbitMQ with PostgreSQL), with the SMTP, chat and SMS peers.
The demo's rotations are pinned to one holder each (``stack_config``), so who holds the
payments SMEs' rotation does not depend on the date or hour; the override's span is set a few
seconds ahead of the clock the worker reads (the test run's, shifted alike under
``make test-shifted``). SEV4 incidents (``minor`` × ``low``) page only the SME, by chat: a
few just before the override, in its first seconds, in its last seconds and just after it, each
judged at the instant the worker planned it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from muster.config.loader import load_config
from muster.config.overrides_file import overrides_path
from muster.worker.client import Client
from muster.worker.core.paging.deliveries import DeliveryPurpose
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident
from tests.harness.configs import stack_config
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.harness.servers import broker_url, fresh_queue, purge, scratch_database
from tests.harness.waiting import deliveries_settled, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.wallclock]

ROTATION = "payments-oncall"
COVER = "judy"  # not a member of the payments rotation: paged only by the override
LEAD = timedelta(seconds=10)  # from the write to the override's first second: the file reloads
SPAN = timedelta(seconds=6)


def sleep_until(at: datetime) -> None:
    time.sleep(max((at - datetime.now(UTC)).total_seconds(), 0.0))


def paged(database: Database, incident_id: str) -> tuple[set[str], datetime] | None:
    """Who ``incident_id`` paged, and the instant its worker planned it at (None: not yet)."""
    with database.transaction() as session:
        incident = session.get(Incident, incident_id)
        people = set(
            session.scalars(
                select(Delivery.person).where(
                    Delivery.incident_id == incident_id, Delivery.purpose == DeliveryPurpose.PAGE
                )
            )
        )
    if incident is None or not people:
        return None
    return {person for person in people if person}, incident.declared_at


@dataclass
class Running:
    """A worker on the demo team pinned and pointed at the peers, and what the test needs."""

    config: Path
    env: dict[str, str]
    worker: MusterWorker
    database: Database
    client: Client
    holder: str

    def declare(self) -> str:
        """A SEV4 incident of payments-api: it pages the payments SMEs' holder, by chat."""
        return self.client.declare(
            title="x", impact="minor", urgency="low", services=["payments-api"]
        )

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "muster.worker.cli", *args],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            cwd=self.config.parent,
            check=False,
        )


@pytest.fixture
def running(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp_peer: SmtpPeer,
    chat_peer: MattermostPeer,
    sms_peer: SmsPeer,
) -> Iterator[Running]:
    """The worker, not started; on the embedded broker and SQLite unless the test asks for a
    broker and a database (``indirect`` parameters: ``("redis", "postgresql")``)."""
    broker, database_kind = getattr(request, "param", ("embedded", "sqlite"))
    config = tmp_path / "routing.yaml"
    stack_config(config, smtp_peer, chat_peer, sms_peer)
    holder = load_config(config).routing.on_call(ROTATION, datetime.now(UTC))
    assert holder is not None
    url = broker_url(broker, tmp_path)
    queue = fresh_queue()
    with scratch_database(database_kind, tmp_path) as database_url:
        env = worker_environment(tmp_path, config, url, database_url, queue)
        worker = MusterWorker(home=tmp_path, env=env)
        database = Database.connect(database_url)
        for name in ("MUSTER_HOME", "MUSTER_QUEUE"):
            monkeypatch.setenv(name, env[name])
        try:
            yield Running(config, env, worker, database, Client(url), holder)
        finally:
            worker.stop()
            database.engine.dispose()
            purge(url, queue)


def test_an_override_added_by_the_cli_pages_its_person_from_its_first_second_to_its_last(
    running: Running, smtp_peer: SmtpPeer
) -> None:
    smtp, database, holder = smtp_peer, running.database, running.holder
    running.worker.start()
    # The first declaration a worker handles pays for imports and caches: not one of those.
    warm = running.declare()
    assert wait_until(lambda: paged(database, warm), timeout=60)[0] == {holder}

    starts = (datetime.now(UTC) + LEAD).replace(microsecond=0)
    until = starts + SPAN
    added = running.cli(
        *("override", "add", "--rotation", ROTATION, "--person", COVER),
        *("--from", starts.isoformat(), "--until", until.isoformat(), "--reason", "dentist"),
        MUSTER_PERSON="laura",
    )
    assert added.returncode == 0, added.stderr
    assert added.stderr == ""

    # Several a second apart at each edge: a declaration is planned when the worker takes
    # it (a moment after it is sent, seconds on a loaded machine), so each is judged at
    # the instant its worker planned it, and each edge must have one on either side.
    marks = [starts + timedelta(seconds=n) for n in (-4, -3, -2, 0.1, 1, 2)]
    marks += [until + timedelta(seconds=n) for n in (-4, -3, -2, -1.5, 0.1, 1, 2)]
    declared = []
    for at in marks:
        sleep_until(at)
        declared.append(running.declare())
    seen = [wait_until(lambda i=i: paged(database, i), timeout=60) for i in declared]
    wait_until(lambda: deliveries_settled(database), timeout=60)
    for people, at in seen:
        expected = COVER if starts <= at < until else holder
        assert people == {expected}, (at, starts, until)
    planned = [at for _, at in seen]
    for edge in (starts, until):
        assert any(edge - timedelta(seconds=4) <= at < edge for at in planned), edge
        assert any(edge <= at < edge + timedelta(seconds=3) for at in planned), edge
    mails = wait_until(lambda: len(smtp.messages) >= 2 and smtp.messages)
    told = {mail.rcpt_tos[0]: mail for mail in mails}
    assert set(told) == {f"{COVER}@example.com", f"{holder}@example.com"}
    assert "You now hold:" in told[f"{COVER}@example.com"].text
    assert "You no longer hold:" in told[f"{holder}@example.com"].text
    assert "by laura" in told[f"{holder}@example.com"].text


def test_a_worker_started_on_a_bad_overrides_file_pages_with_the_last_good_cover(
    running: Running,
) -> None:
    """The worker keeps the overrides file with the config in the database; started again
    while the file names nobody known, it pages with the cover that last loaded."""
    now = datetime.now(UTC)
    added = running.cli(
        *("override", "add", "--rotation", ROTATION, "--person", COVER, "--no-notify"),
        *("--from", (now - timedelta(hours=1)).isoformat()),
        *("--until", (now + timedelta(hours=6)).isoformat()),
    )
    assert added.returncode == 0, added.stderr
    running.worker.start()  # loads both files cleanly, and keeps them
    running.worker.stop()
    cover = overrides_path(running.config)
    cover.write_text(cover.read_text().replace(f"person: {COVER}", "person: zed"))

    running.worker.start()

    log = running.worker.logs[-1].read_text()
    assert "config.serving_last_good" in log
    assert "with its overrides file" in log
    incident = running.declare()
    assert wait_until(lambda: paged(running.database, incident), timeout=60)[0] == {COVER}


# Both server brokers whatever TEST_BROKERS says: the shifted-clock run keeps to the embedded
# broker, and an empty parameter set would be a skip there.
@pytest.mark.parametrize(
    "running", [("redis", "postgresql"), ("rabbitmq", "postgresql")], indirect=True
)
def test_on_a_server_broker_and_postgresql_the_cover_pages_and_both_people_are_told(
    running: Running, smtp_peer: SmtpPeer
) -> None:
    running.worker.start()
    now = datetime.now(UTC)

    added = running.cli(
        *("override", "add", "--rotation", ROTATION, "--person", COVER),
        *("--from", (now - timedelta(hours=1)).isoformat()),
        *("--until", (now + timedelta(hours=6)).isoformat()),
        MUSTER_PERSON="laura",
    )

    assert added.returncode == 0, added.stderr
    mails = wait_until(lambda: len(smtp_peer.messages) >= 2 and smtp_peer.messages, timeout=60)
    told = {mail.rcpt_tos[0]: mail.subject for mail in mails}
    assert told == {
        f"{COVER}@example.com": f"Shift change: you now hold {ROTATION}",
        f"{running.holder}@example.com": f"Shift change: you are relieved of {ROTATION}",
    }
    wait_until(lambda: "config.reloaded" in running.worker.log_text())  # the sweep notices it
    incident = running.declare()
    assert wait_until(lambda: paged(running.database, incident), timeout=60)[0] == {COVER}
