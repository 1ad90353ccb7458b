"""muster's worker (with its beat and web) for a real Alertmanager to post to: the demo team on
pinned rotations, an ``alertmanager`` caller, the embedded broker and a SQLite database."""

from __future__ import annotations

import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from muster.config.loader import load_config
from muster.worker.core.paging.incident import Incident as CoreIncident
from muster.worker.core.paging.plan import build_page_plan
from muster.worker.store.db import Database
from muster.worker.store.models import Incident
from tests.harness.configs import DEMO, pinned_rotations
from tests.harness.muster_processes import MusterWorker, worker_environment
from tests.harness.peers.common import free_port
from tests.harness.waiting import wait_until

TOKEN = "alertmanager-test-token-0123456789"
ALERT = {"alertname": "PaymentsDown", "service": "payments-api", "severity": "critical"}


@dataclass(frozen=True)
class AlertmanagerStack:
    """The web's URL, the database, the worker process and its config file."""

    url: str
    database: Database
    worker: MusterWorker
    config: Path


def planned_pages(config: Path, incident: Incident, at: datetime) -> list[tuple[str, str]]:
    """(person, kind) of every page the plan of ``incident`` at ``at`` sends, sorted."""
    routing = load_config(config, {}).routing
    core = CoreIncident(
        id=incident.id,
        title=incident.title,
        impact=incident.impact,
        urgency=incident.urgency,
        services=tuple(incident.services),
    )
    plan = build_page_plan(routing, core, at)
    return sorted((page.person, contact.kind) for page in plan.pages for contact in page.contacts)


def healthy(url: str) -> bool:
    with suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:  # noqa: S310
        return answer.status == 200
    return False


@contextmanager
def alertmanager_stack(
    folder: Path, edit: Callable[[dict[str, Any]], None] | None = None
) -> Iterator[AlertmanagerStack]:
    """The worker serving the demo (``edit`` changes its document first), healthy."""
    document = yaml.safe_load(DEMO.read_text())
    document["rotations"] = pinned_rotations(document)
    document.pop("overrides", None)
    document["intake"]["callers"] = {"alertmanager": {"token": TOKEN}}
    if edit is not None:
        edit(document)
    config = folder / "routing.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False))
    port = free_port()
    database = f"sqlite:///{folder / 'muster.db'}"
    env = worker_environment(
        folder, config, None, database, f"muster-am-{uuid.uuid4().hex[:8]}", PORT=str(port)
    )
    worker = MusterWorker(folder, env, args=("--web",)).start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: healthy(url), timeout=20)
        yield AlertmanagerStack(url, Database.connect(database), worker, config)
    finally:
        worker.stop()
