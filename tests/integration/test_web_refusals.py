"""A real ``muster worker --web`` on its database: a script that declares and at once adds a
milestone under the id it was given is never refused, an id that joined another incident is
known, and what the worker could only dead-letter is refused at the web instead (422, 404) —
so nothing ends as a dead letter."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from muster.worker.store.db import Database
from muster.worker.store.models import DeadLetter, IncidentAlias
from tests.harness.configs import DEMO, pinned_rotations
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers.common import free_port
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.wallclock]

TOKEN = "demo-only-token-change-me"  # the demo config's caller
DECLARATION = {"title": "Search down", "impact": "minor", "urgency": "low", "services": ["search"]}


def post(web: str, message: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1
        f"{web}/v1/messages/{message}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def listening(web: str) -> bool:
    try:
        with urllib.request.urlopen(f"{web}/healthz", timeout=2):  # noqa: S310 - 127.0.0.1
            return True
    except OSError:
        return False


def test_what_the_web_accepts_the_worker_acts_on(tmp_path: Path) -> None:
    document: dict[str, Any] = yaml.safe_load(DEMO.read_text())
    document["rotations"] = pinned_rotations(document)
    document.pop("overrides", None)
    config = tmp_path / "routing.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False))
    port = free_port()
    database = f"sqlite:///{tmp_path / 'muster.db'}"
    queue = f"muster-refusals-{uuid.uuid4().hex[:8]}"
    env = worker_environment(tmp_path, config, None, database, queue, PORT=str(port))
    web = f"http://127.0.0.1:{port}"
    worker = MusterWorker(tmp_path, env, args=("--web",)).start()
    try:
        wait_until(lambda: listening(web), timeout=20)
        for _ in range(5):  # declared, then at once a milestone under the id it answered
            status, accepted = post(web, "declared", DECLARATION)
            assert status == 202
            note = {"incident_id": accepted["incident_id"], "kind": "note", "text": "looking"}
            status, answered = post(web, "milestone", note)
            assert (status, answered["incident_id"]) == (202, note["incident_id"])

        first = {**DECLARATION, "incident_id": "inc-first", "fingerprint": "fp-search"}
        joined = {**DECLARATION, "incident_id": "inc-joined", "fingerprint": "fp-search"}
        assert post(web, "declared", first)[0] == 202
        store = Database.connect(database, migrate=False)
        wait_until(lambda: post(web, "milestone", {**note, "incident_id": "inc-first"})[0] == 202)
        assert post(web, "declared", joined)[0] == 202

        def aliased() -> bool:
            with store.sessions() as session:
                return session.get(IncidentAlias, "inc-joined") is not None

        wait_until(aliased)
        assert post(web, "acknowledged", {"incident_id": "inc-joined", "person": "bob"})[0] == 202

        status, refused = post(web, "declared", {**DECLARATION, "impact": "apocalyptic"})
        assert (status, refused["detail"]) == (
            422,
            "unknown impact 'apocalyptic': the config defines critical, major, minor, internal",
        )
        typo = {"incident_id": "inc-typo", "kind": "note", "text": "t"}
        status, refused = post(web, "milestone", typo)
        assert status == 404
        assert refused["detail"].startswith("unknown incident 'inc-typo'")
        for _ in range(2):  # still known once resolved: the repeat is the worker's no-op
            assert post(web, "resolved", {"incident_id": "inc-first"})[0] == 202
        with store.sessions() as session:
            assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0
        store.engine.dispose()
    finally:
        worker.stop()
