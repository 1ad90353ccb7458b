"""A worker and a web started while the config file is invalid page with the last good config.

Real processes (``muster worker --beat`` and ``muster web``) on the embedded broker and a SQLite
database: the worker first runs on a good file (which it keeps in the database), stops; the file
is broken (an impossible date); both processes start on it, say they serve the last good config
(the log line, ``/readyz``), and a declaration through the web pages the people that config
names. Then the file is fixed and served again.
"""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from muster.worker.store.db import Database
from tests.harness.configs import stack_config
from tests.harness.muster_processes import MusterWeb, MusterWorker, worker_environment
from tests.harness.peers import MattermostPeer, SmsPeer, SmtpPeer
from tests.harness.peers.common import free_port
from tests.harness.waiting import deliveries_settled, wait_until

pytestmark = pytest.mark.integration

TOKEN = "last-good-test-token-0123456789"


def http(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    answer = httpx.request(method, url, json=body, headers=headers, timeout=10)
    return answer.status_code, answer.json()


def config_detail(base: str) -> str:
    """What ``/readyz`` says of the config served."""
    detail: str = http("GET", f"{base}/readyz")[1]["checks"]["config"]["detail"]
    return detail


def test_worker_and_web_started_on_an_invalid_file_page_with_the_last_good_config(
    tmp_path: Path,
) -> None:
    with ExitStack() as cleanup:
        smtp = cleanup.enter_context(SmtpPeer())
        chat = cleanup.enter_context(MattermostPeer())
        sms = cleanup.enter_context(SmsPeer())
        config = tmp_path / "routing.yaml"
        stack_config(config, smtp, chat, sms)
        document: dict[str, Any] = yaml.safe_load(config.read_text())
        document["intake"] = {"callers": {"tests": {"token": TOKEN}}}
        document["rotations"]["spare"] = {"members": ["ken"], "start": "START"}
        good = yaml.safe_dump(document, sort_keys=False).replace(
            "start: START", "start: 2026-01-05"
        )
        config.write_text(good)
        database_url = f"sqlite:///{tmp_path / 'muster.db'}"
        env = worker_environment(tmp_path, config, None, database_url, f"q-{uuid.uuid4().hex[:8]}")
        worker = MusterWorker(home=tmp_path, env=env)
        cleanup.callback(worker.stop)
        worker.start()  # loads the good file, and keeps it
        worker.stop()

        config.write_text(good.replace("start: 2026-01-05", "start: 2026-13-45"))
        worker.start()
        assert "config.serving_last_good" in worker.logs[-1].read_text()
        assert "rotations.spare.start" in worker.logs[-1].read_text()
        wait_until(lambda: worker.log_text().count("config.serving_last_good") >= 3)  # each scan

        web = MusterWeb(tmp_path, env, port=free_port())
        cleanup.callback(web.stop)
        web.start()
        base = f"http://127.0.0.1:{web.port}"
        _, ready = http("GET", f"{base}/readyz")
        assert ready["checks"]["config"]["ok"] is True
        detail = config_detail(base)
        assert f"{config} is rejected (1 error, the first at line" in detail
        assert "serving the last good config (sha256 " in detail

        declaration = {
            "title": "Declared while the file is broken",
            "impact": "internal",
            "urgency": "low",
            "services": ["search"],
        }
        status, accepted = http("POST", f"{base}/v1/messages/declared", declaration)
        assert status == 202, accepted
        incident = accepted["incident_id"]
        database = Database.connect(database_url, migrate=False)
        cleanup.callback(database.engine.dispose)
        wait_until(lambda: deliveries_settled(database), timeout=30)
        chats = {m.destination for m in chat.messages if incident in m.text}
        assert chats == {"ken", "incidents"}

        config.write_text(good)  # fixed: served again, and the reminders stop
        wait_until(lambda: "config.reloaded" in worker.log_text())
        wait_until(
            lambda: (
                "serving " + str(config)
                in http("GET", f"{base}/readyz")[1]["checks"]["config"]["detail"]
            )
        )
