"""The end-to-end stack: a running ``muster worker --beat`` on one broker, its database, and
the SMTP, Mattermost and SMS peers it pages, with ways to produce messages and read what arrived.

Shared by the end-to-end scenarios and the refused-message scenarios, which run against the same
kind of stack (one per broker and test module: ``tests/integration/conftest.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from muster.worker.client import Client
from muster.worker.core.paging.deliveries import DeliveryStatus
from muster.worker.store.db import Database
from muster.worker.store.models import Delivery, Incident
from tests.harness.configs import stack_config
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.harness.servers import broker_url, postgres_database, purge


@dataclass
class Stack:
    """A running worker on one broker, the peers it pages, and a way to produce and observe."""

    kind: str
    home: Path
    config: Path
    env: dict[str, str]
    worker: MusterWorker
    database: Database
    smtp: SmtpPeer
    chat: MattermostPeer
    sms: SmsPeer

    def client(self) -> Client:
        previous = {key: os.environ.get(key) for key in ("MUSTER_HOME", "MUSTER_QUEUE")}
        os.environ.update(
            MUSTER_HOME=self.env["MUSTER_HOME"], MUSTER_QUEUE=self.env["MUSTER_QUEUE"]
        )
        try:
            return Client(self.env.get("MUSTER_BROKER_URL"))
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "muster.worker.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            cwd=self.home,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def emails(self, incident_id: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for mail in self.smtp.messages:
            if incident_id in mail.subject or incident_id in mail.text:
                for recipient in mail.rcpt_tos:
                    found.setdefault(recipient, []).append(mail.subject)
        return found

    def chats(self, incident_id: str) -> dict[str, int]:
        found: dict[str, int] = {}
        for message in self.chat.messages:
            if incident_id in message.text:
                found[message.destination] = found.get(message.destination, 0) + 1
        return found

    def texts(self, incident_id: str) -> dict[str, int]:
        found: dict[str, int] = {}
        for message in self.sms.messages:
            if incident_id in message.text:
                found[message.to] = found.get(message.to, 0) + 1
        return found

    def settled(self, incident_id: str) -> bool:
        """The incident's fan-out is written and every delivery of it is finished (sent or
        failed): none is pending."""
        with self.database.transaction() as session:
            incident = session.get(Incident, incident_id)
            statuses = list(
                session.scalars(select(Delivery.status).where(Delivery.incident_id == incident_id))
            )
        return (
            incident is not None
            and incident.fanned_out
            and all(status in {DeliveryStatus.SENT, DeliveryStatus.FAILED} for status in statuses)
        )


@contextmanager
def running_stack(kind: str, home: Path) -> Iterator[Stack]:
    """A ``muster worker --beat`` on ``kind``'s broker with its database and peers, stopped and
    cleaned up on exit."""
    with ExitStack() as cleanup:
        url = broker_url(kind, home)
        database_url = (
            f"sqlite:///{home / 'muster.db'}"
            if kind == "embedded"
            else cleanup.enter_context(postgres_database())
        )
        smtp = cleanup.enter_context(SmtpPeer())
        chat = cleanup.enter_context(MattermostPeer())
        sms = cleanup.enter_context(SmsPeer())
        config = home / "routing.yaml"
        stack_config(config, smtp, chat, sms)
        queue = f"muster-test-{uuid.uuid4().hex[:8]}"
        env = worker_environment(home, config, url, database_url, queue)
        purge(url, queue)
        database = Database.connect(database_url)
        cleanup.callback(database.engine.dispose)
        worker = MusterWorker(home=home, env=env)
        cleanup.callback(worker.stop)
        worker.start()
        yield Stack(kind, home, config, env, worker, database, smtp, chat, sms)
