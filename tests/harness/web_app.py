"""The web app over a real config file and a recording publisher (no broker: what the app
queues is what it handed the publisher), with the callers, tokens and stub incidents the web's
tests use. The fixtures ``make_web`` and ``web`` (in ``tests/worker/web/conftest.py``) build it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from muster.config.loader import load_config
from muster.worker.client import BrokerUnavailable
from muster.worker.clock import ManualClock
from muster.worker.messages import parse
from muster.worker.web.app import create_app
from muster.worker.web.context import WebContext
from muster.worker.web.replays import MemorySeenSignatures, SeenSignatures
from tests.harness.configs import WEDNESDAY_NOON, minimal_document

TOKEN = "alertmanager-token-0123456789"
SCRIPT_TOKEN = "script-token-0123456789abcdef"
ACK_SECRET = "a-long-enough-signing-secret"
ISSUED = WEDNESDAY_NOON  # when the tests' ack tokens were signed; the web reads a bit later
NOW = ISSUED + timedelta(minutes=5)  # the web's clock unless a test passes its own


@dataclass
class RecordingPublisher:
    """The publisher port: validates as the real client does, records, or plays a dead broker."""

    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    broker_down: bool = False

    def __call__(self, task: str, payload: dict[str, Any]) -> str:
        parse(task, payload)
        if self.broker_down:
            raise BrokerUnavailable("cannot reach the broker at redis://127.0.0.1:1 (test)")
        self.sent.append((task, payload))
        return f"message-{len(self.sent)}"


def intake_document(**intake: Any) -> dict[str, Any]:
    """The minimal config with two callers, an ack secret and ``intake`` additions."""
    document = minimal_document()
    document["ack"] = {"url": "https://muster.test/ack", "secret": ACK_SECRET}
    document["intake"] = {
        "callers": {"alertmanager": {"token": TOKEN}, "script": {"token": SCRIPT_TOKEN}},
        **intake,
    }
    return document


@dataclass
class StubIncidents:
    """The database's incidents as the web reads them: states, and who was paged for what."""

    states: dict[str, str] = field(default_factory=dict)
    paged: dict[str, list[str]] = field(default_factory=dict)
    digests: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def state(self, incident_id: str) -> str | None:
        return self.states.get(incident_id)

    def open_paged(self, person: str) -> list[str]:
        return [i for i in self.paged.get(person, []) if self.states.get(i) != "resolved"]

    def digested(self, digest: str, person: str) -> dict[str, str]:
        incidents = self.digests.get((digest, person), [])
        return {i: self.states.get(i, "investigating") for i in incidents}


def on_event_loop() -> bool:
    """Whether the caller runs on an event loop: CPU work the web does must not, since every
    other request waits on that loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@dataclass
class Web:
    client: TestClient
    publisher: RecordingPublisher

    def post(self, path: str, body: Any, token: str | None = TOKEN, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kwargs.pop("headers", {}))
        return self.client.post(path, json=body, headers=headers, **kwargs)


def serve_web(
    path: Path,
    document: dict[str, Any] | None = None,
    max_body: int = 1_048_576,
    incidents: Any = None,
    max_webhook_body: int = 33_554_432,
    incident_wait: float = 0.2,
    clock: ManualClock | None = None,
    seen: SeenSignatures | None = None,
    reply_guard: Any = None,
    listing: Any = None,
    silences: Any = None,
    past_overrides: Any = None,
) -> Web:
    """The web app serving ``document`` (default :func:`intake_document`), written to ``path``
    and loaded like ops' files; the caller closes its client."""
    path.write_text(yaml.safe_dump(document or intake_document(), sort_keys=False))
    config = load_config(path, {}).routing.config
    publisher = RecordingPublisher()
    context = WebContext(
        config=lambda: config,
        publish=publisher,
        max_body=max_body,
        max_webhook_body=max_webhook_body,
        incidents=incidents,
        incident_wait=incident_wait,
        now=(clock or ManualClock(NOW)).now,
        seen=seen or MemorySeenSignatures(),
        listing=listing,
        silences=silences,
        past_overrides=past_overrides,
    )
    if reply_guard is not None:
        context.reply_guard = reply_guard
    return Web(TestClient(create_app(context)), publisher)
