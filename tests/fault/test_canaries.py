"""Secrets: canaries in every secret place, errors forced everywhere, and no canary anywhere.

A worker and a beat run at DEBUG on a private Redis that needs a password and a PostgreSQL
database reached with one, paging through real SMTP (with a login), Signal and Mattermost peers
whose tokens, credentials and numbers are canaries (see :mod:`tests.fault.canaries`). Errors are
forced on every channel (500, 400, 429 with ``Retry-After``, SMTP 451), refused messages are
published, and the config is edited badly three ways and then restored. Then every log line,
every row of every table (dead letters, timeline, deliveries and their attempts...; the last
good config kept as the file is written, ``${NAME}`` unfilled, holds only what the file does), every
command the broker was sent (``MONITOR``, from before the worker started) and whatever it still
holds, and the output of the CLI commands ops run are scanned: 0 canaries.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection
from sqlalchemy import select

from muster.worker.store.db import Database
from muster.worker.store.models import DeadLetter, Delivery, Incident
from muster.worker.tasks.names import DECLARED
from tests.harness.canaries import (
    Canaries,
    broker_contents,
    canary_document,
    database_rows,
    monitor,
    write,
)
from tests.harness.muster_processes import MusterBeat, MusterWorker, worker_environment
from tests.harness.peers import HOST, MattermostPeer, Reply, SmsPeer, SmtpPeer
from tests.harness.private_servers import PrivateRedis
from tests.harness.servers import postgres_database, require_server
from tests.harness.waiting import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.fault,
    # The SMTP peer takes a login over plain text on loopback, on purpose.
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

DEBUG = ("--loglevel", "DEBUG")


@dataclass
class Stack:
    home: Path
    config: Path
    document: dict[str, Any]
    env: dict[str, str]
    canaries: Canaries
    broker: PrivateRedis
    database: Database
    worker: MusterWorker
    beat: MusterWorker
    chat: MattermostPeer
    rooms: MattermostPeer
    smtp: SmtpPeer
    sms: SmsPeer
    monitor: Path
    outputs: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str, ok: bool = True) -> str:
        """Run ``muster ARGS``; keep its stdout and stderr for the scan."""
        done = subprocess.run(
            [sys.executable, "-m", "muster.worker.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            cwd=self.home,
            check=False,
        )
        self.outputs[f"muster {' '.join(args)} ({len(self.outputs)})"] = done.stdout + done.stderr
        assert (done.returncode == 0) == ok, done.stdout + done.stderr
        return done.stdout.strip()

    def publish(self, body: Any, headers: dict[str, Any], **options: Any) -> None:
        with Connection(self.broker.url) as connection:
            connection.Producer().publish(
                body, exchange="", routing_key=self.env["MUSTER_QUEUE"], headers=headers, **options
            )


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    require_server("PostgreSQL", 5432)
    canaries = Canaries()
    with ExitStack() as cleanup:
        broker = PrivateRedis(tmp_path / "redis", password=canaries.broker_password)
        cleanup.callback(broker.kill)
        broker.start()
        commands = tmp_path / "monitor.txt"
        cleanup.callback(monitor(broker, commands))
        database_url = cleanup.enter_context(postgres_database()).replace(
            "postgres@", f"postgres:{canaries.database_password}@"
        )
        chat = cleanup.enter_context(MattermostPeer(token=canaries.chat_token))
        rooms = cleanup.enter_context(MattermostPeer(token=canaries.room_token))
        smtp = cleanup.enter_context(
            SmtpPeer(credentials=(canaries.smtp_user, canaries.smtp_password))
        )
        sms = cleanup.enter_context(SmsPeer(source=canaries.sms_from))
        document = canary_document(
            canaries,
            chat=f"{HOST}:{chat.port}",
            rooms=f"{HOST}:{rooms.port}",
            smtp=f"{HOST}:{smtp.port}",
            sms=f"{HOST}:{sms.port}",
        )
        config = tmp_path / "routing.yaml"
        write(config, document)
        queue = f"muster-canary-{uuid.uuid4().hex[:8]}"
        env = worker_environment(tmp_path, config, broker.url, database_url, queue)
        env |= canaries.environment()
        worker = MusterWorker(home=tmp_path, env=env, beat=False, args=DEBUG)
        beat = MusterBeat(home=tmp_path, env=env, args=DEBUG)
        cleanup.callback(beat.stop)
        cleanup.callback(worker.stop)
        worker.start()
        beat.start()
        database = Database.connect(database_url)
        cleanup.callback(database.engine.dispose)
        yield Stack(
            tmp_path, config, document, env, canaries, broker, database, worker, beat,
            chat, rooms, smtp, sms, commands,
        )  # fmt: skip


def test_no_canary_reaches_a_log_a_letter_a_row_a_task_or_the_cli(stack: Stack) -> None:
    canaries = stack.canaries
    stack.chat.fail_each(
        Reply.json(500, {"message": f"boom {canaries.chat_token}"}), Reply.json(400, {})
    )
    stack.rooms.fail_next(1, 500)
    stack.sms.fail_each(Reply.json(429, {"error": "slow down"}, {"Retry-After": "1"}))
    stack.smtp.fail_next(2)

    incident = stack.cli(
        "declare", "--title", "Checkout failing", "--impact", "critical", "--urgency", "high",
        "--service", "payments-api",
    )  # fmt: skip
    stack.publish(
        pickle.dumps([[{}], {}, {}]),
        {"task": DECLARED, "id": f"pickle-{incident}"},
        content_type="application/x-python-serialize",
        content_encoding="binary",
    )
    bad = {"title": "Bad", "impact": "apocalyptic", "urgency": "high", "services": ["search"]}
    stack.publish(
        json.dumps([[bad], {}, {}]),
        {"task": DECLARED, "id": f"invalid-{incident}"},
        content_type="application/json",
        content_encoding="utf-8",
    )
    stack.publish(
        json.dumps([[bad], {}, {}]),
        {"task": "muster.incident.nope", "id": f"unknown-{incident}"},
        content_type="application/json",
        content_encoding="utf-8",
    )
    wait_until(lambda: _settled(stack, incident), timeout=60)
    wait_until(lambda: _letters(stack) >= 3, timeout=30)

    _bad_config_edits(stack)

    person = _paged_person(stack, incident)
    stack.cli("ack", incident, "--person", person)
    stack.cli("milestone", incident, "--kind", "note", "--text", "looking")
    stack.cli("timeline", incident)
    stack.cli("timeline", incident, "--format", "json")
    stack.cli("dead-letters", "list")
    stack.cli("dead-letters", "list", "--all", "--format", "json")
    for output in ("text", "json"):
        stack.cli("route", "--impact", "critical", "--urgency", "high", "--service",
                  "payments-api", "--format", output)  # fmt: skip
    stack.cli("config", "check")
    stack.cli("resolve", incident)
    wait_until(lambda: _resolved(stack, incident), timeout=30)

    # The errors were forced and the secrets were used: the pages went out through them.
    assert {r.status for r in stack.chat.requests} >= {500, 400}
    assert 429 in {r.status for r in stack.sms.requests}
    assert stack.smtp.attempts > len(stack.smtp.messages) > 0
    assert stack.sms.messages
    assert stack.rooms.messages
    stack.beat.stop()
    stack.worker.stop()
    assert '"level": "debug"' in stack.worker.log_text()

    rows = database_rows(stack.database)
    # The last good config is kept as ops wrote the file (a process started on a bad edit pages
    # with it): it holds what the file holds, and none of the secrets ${NAME} is filled from.
    kept = rows.pop("table good_configs")
    assert canaries.found_in(kept) == canaries.found_in(stack.config.read_text())
    assert "${CHAT_TOKEN}" in kept
    sources = {
        "worker log": stack.worker.log_text(),
        "beat log": stack.beat.log_text(),
        "broker commands (MONITOR)": stack.monitor.read_text(errors="replace"),
        "broker contents": broker_contents(stack.broker),
        **rows,
        **stack.outputs,
    }
    leaks = {name: canaries.found_in(text) for name, text in sources.items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def _bad_config_edits(stack: Stack) -> None:
    """Three bad edits, each rejected by the running worker and by ``muster config check``:
    YAML that does not parse on a line holding a phone number, a phone number that is a
    list, a template with an unknown placeholder beside a filled-in token."""
    good = stack.config.read_text()
    someone = next(iter(stack.canaries.phones))
    number = stack.canaries.phones[someone]
    edits = [
        good.replace(f"sms: '{number}'", f"sms: '{number}\n    oops: [", 1),
        good.replace(f"'{number}'", f"['{number}']", 1),
        good.replace("to={chat}", "to={chta}", 1),
    ]
    for edit in edits:
        assert edit != good
        rejected = stack.worker.log_text().count("config.reload_rejected")
        stack.config.write_text(edit)
        wait_until(lambda r=rejected: stack.worker.log_text().count("config.reload_rejected") > r)
        stack.cli("config", "check", ok=False)
    reloaded = stack.worker.log_text().count("config.reloaded")
    stack.config.write_text(good)
    wait_until(lambda: stack.worker.log_text().count("config.reloaded") > reloaded)


def _settled(stack: Stack, incident: str) -> bool:
    with stack.database.transaction() as session:
        found = session.get(Incident, incident)
        statuses = list(
            session.scalars(select(Delivery.status).where(Delivery.incident_id == incident))
        )
    return found is not None and found.fanned_out and all(s in {"sent", "failed"} for s in statuses)


def _resolved(stack: Stack, incident: str) -> bool:
    with stack.database.transaction() as session:
        found = session.get(Incident, incident)
        return found is not None and found.state == "resolved"


def _letters(stack: Stack) -> int:
    with stack.database.transaction() as session:
        return len(list(session.scalars(select(DeadLetter.id))))


def _paged_person(stack: Stack, incident: str) -> str:
    with stack.database.transaction() as session:
        people = session.scalars(
            select(Delivery.person).where(
                Delivery.incident_id == incident, Delivery.person.is_not(None)
            )
        )
        return str(next(iter(people)))
