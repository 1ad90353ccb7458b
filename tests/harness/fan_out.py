"""A deployment that pages a fifty-person fan-out: the worker-kill scenarios' stage.

A ``muster worker --beat`` on one broker and database (PostgreSQL beside a broker server; SQLite
beside the embedded broker, or for a kind such as ``redis+sqlite``), the Mattermost webhook peer
every page goes to (each post held a moment, so sends are on the wire when a kill comes), and
what a scenario reads back: the posts per incident and person, and the deliveries claimed but
not yet recorded. Shared by ``tests/fault/test_worker_kills.py`` and ``bench/recovery_bench.py``.
"""

from __future__ import annotations

import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import yaml
from sqlalchemy import select

from muster.worker.client import Client
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery
from tests.harness.fault_configs import PEOPLE, fan_out_document, service
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers import MattermostPeer
from tests.harness.servers import broker_url, postgres_database, purge

# The harness speeds these up for other tests; recovery is judged at muster's defaults.
PRODUCTION_PACE = ("MUSTER_LEASE_SECONDS", "MUSTER_REQUEUE_AFTER", "MUSTER_SWEEP_EVERY")
POST_DELAY = 0.02  # each chat post is held this long: sends are on the wire when a kill comes


class Deployment:
    """A worker on one broker and database, the peer it pages, and what it sent."""

    def __init__(
        self,
        kind: str,
        home: Path,
        cleanup: ExitStack,
        delay: float = POST_DELAY,
        people: int = PEOPLE,
        **env: str,
    ) -> None:
        self.kind, self.home, self.cleanup, self.people = kind, home, cleanup, people
        broker, _, store = kind.partition("+")  # "redis+sqlite": Redis beside SQLite
        self.url = broker_url(broker, home)
        database = (
            f"sqlite:///{home / 'muster.db'}"
            if broker == "embedded" or store == "sqlite"
            else cleanup.enter_context(postgres_database())
        )
        self.chat = cleanup.enter_context(MattermostPeer(delay=delay))
        config = home / "routing.yaml"
        config.write_text(yaml.safe_dump(fan_out_document(self.chat.url_template(), people)))
        self.queue = f"muster-fault-{uuid.uuid4().hex[:8]}"
        self.env = worker_environment(home, config, self.url, database, self.queue)
        for paced_for_tests in PRODUCTION_PACE:
            del self.env[paced_for_tests]
        self.env.update(env)
        purge(self.url, self.queue)
        cleanup.callback(purge, self.url, self.queue)
        self.database = Database.connect(database)
        cleanup.callback(self.database.engine.dispose)
        self.worker = self.another_worker("worker", beat=True)

    def another_worker(self, name: str, beat: bool = False) -> MusterWorker:
        """A worker of this deployment (stopped at cleanup), not yet started."""
        worker = MusterWorker(home=self.home, env=self.env, beat=beat, name=name)
        self.cleanup.callback(worker.stop)
        return worker

    def declare(self, client: Client) -> str:
        """An incident on every service: each person paged once (fifty by default)."""
        return client.declare(
            title="Everything is down",
            impact="major",
            urgency="high",
            services=[service(i) for i in range(self.people)],
        )

    def received(self, incidents: list[str]) -> Counter[tuple[str, str]]:
        """(incident, person) → posts received for it."""
        found: Counter[tuple[str, str]] = Counter()
        for message in self.chat.messages:
            for incident in incidents:
                if incident in message.text:
                    found[(incident, message.destination)] += 1
        return found

    def pages(self, incident: str) -> int:
        """Posts received for ``incident``, repeats included."""
        return sum(1 for message in self.chat.messages if incident in message.text)

    def on_the_wire(self, incidents: list[str]) -> set[int]:
        """Deliveries claimed and not recorded: the most a kill now can make send twice. Read
        just before a kill and again just after, since a survivor may take over and record a
        dead worker's delivery within milliseconds of the kill, before any read after it."""
        sending = Delivery.incident_id.in_(incidents) & (Delivery.status == "sending")
        with self.database.transaction() as session:
            return set(session.scalars(select(Delivery.id).where(sending)))
