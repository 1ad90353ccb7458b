"""PostgreSQL stopped for 30 s (killed, then started again) while declarations flow: nothing is
lost once it is back, and the worker resumes by itself — a declaration made after the restart
is paged."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from muster.worker.client import Client
from tests.harness.fault_configs import fan_out_document, person, service
from tests.harness.fault_report import FaultRow
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers import MattermostPeer
from tests.harness.private_servers import PrivatePostgres
from tests.harness.servers import broker_url, purge
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.fault]

PEOPLE = 10
OUTAGE = float(os.environ.get("FAULT_DB_OUTAGE", "30"))
RECOVERY_LIMIT = 30.0


@pytest.fixture
def stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[PrivatePostgres, MusterWorker, MattermostPeer, str]]:
    with ExitStack() as cleanup:
        url = broker_url("redis", tmp_path)
        assert url is not None
        postgres = PrivatePostgres()
        cleanup.callback(postgres.remove)
        postgres.start()
        engine = create_engine(postgres.url.rsplit("/", 1)[0] + "/postgres")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("CREATE DATABASE muster"))
        engine.dispose()
        database = postgres.url.rsplit("/", 1)[0] + "/muster"
        chat = cleanup.enter_context(MattermostPeer())
        config = tmp_path / "routing.yaml"
        config.write_text(yaml.safe_dump(fan_out_document(chat.url_template(), PEOPLE)))
        queue = f"muster-fault-{uuid.uuid4().hex[:8]}"
        env = worker_environment(tmp_path, config, url, database, queue)
        purge(url, queue)
        for key in ("MUSTER_HOME", "MUSTER_QUEUE"):
            monkeypatch.setenv(key, env[key])
        worker = MusterWorker(home=tmp_path, env=env)
        cleanup.callback(worker.stop)
        worker.start()
        yield postgres, worker, chat, url


def test_postgres_down_for_30_s_while_declarations_flow_loses_nothing(
    stack: tuple[PrivatePostgres, MusterWorker, MattermostPeer, str],
    fault_report: list[FaultRow],
) -> None:
    postgres, worker, chat, url = stack
    client = Client(url)

    def declare() -> str:
        return client.declare(
            title="Database down",
            impact="major",
            urgency="high",
            services=[service(i) for i in range(PEOPLE)],
        )

    declared = [declare()]
    wait_until(lambda: len(chat.messages) >= 1)
    postgres.kill()
    down_until = time.monotonic() + OUTAGE
    while time.monotonic() < down_until:  # the broker takes them; the worker cannot record yet
        declared.append(declare())
        time.sleep(OUTAGE / 6)
    postgres.start()
    restarted = time.monotonic()
    declared.append(declare())
    expected = {(i, person(p)) for i in declared for p in range(PEOPLE)}

    def posts() -> list[tuple[str, str]]:
        return [(i, m.destination) for m in chat.messages for i in declared if i in m.text]

    wait_until(lambda: expected <= set(posts()), timeout=RECOVERY_LIMIT + 30)
    recovered = time.monotonic() - restarted
    threading.Event().wait(1.0)  # anything extra still on its way arrives, and is counted
    found = posts()
    fault_report.append(
        FaultRow.measured(f"PostgreSQL down {OUTAGE:g} s", expected, found, recovered)
    )
    assert worker.process is not None
    assert worker.process.poll() is None, worker.log_text()[-3000:]
    assert set(found) - expected == set()
    assert recovered <= RECOVERY_LIMIT
