"""The web after a bad config edit: it keeps answering with the last good config (the issue's
impossible date made every request a 500), reading it as the deployed web does."""

from __future__ import annotations

from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from muster.config.watch import ConfigSource
from muster.worker.web.app import create_app
from muster.worker.web.context import WebContext
from tests.harness.waiting import wait_until
from tests.harness.web_app import TOKEN, RecordingPublisher, intake_document

DECLARATION = {
    "title": "Checkout failing",
    "impact": "major",
    "urgency": "high",
    "services": ["api"],
}


def test_an_impossible_date_edit_leaves_the_web_serving(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    good = yaml.safe_dump(intake_document(), sort_keys=False)
    path.write_text(good)
    source = ConfigSource(path, environ={}, interval=0.01)
    source.follow()
    publisher = RecordingPublisher()
    context = WebContext(config=lambda: source.served().routing.config, publish=publisher)
    with TestClient(create_app(context)) as client:
        path.write_text(good.replace("'2026-01-05'", "2026-13-45"))
        wait_until(lambda: source.last_error is not None)  # the edit was seen, and rejected
        answer = client.post(
            "/v1/messages/declared",
            json=DECLARATION,
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert answer.status_code == 202, answer.text
    assert [task for task, _ in publisher.sent] == ["muster.incident.declared"]
