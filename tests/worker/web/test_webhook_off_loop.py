"""Classifying a webhook's alerts is CPU work (a regex per rule and label): it runs on the
web's thread pool with the publish, never on the event loop every other request waits on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from muster.worker.web import webhooks
from tests.harness.alert_bodies import RULES, alert, notification
from tests.harness.web_app import Web, intake_document, on_event_loop


def test_classification_runs_off_the_event_loop(
    make_web: Callable[..., Web], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The webhook's alerts are classified where no event loop runs: a worker thread."""
    where: list[bool] = []
    classify = webhooks.webhook_message

    def recording(*args: Any, **kwargs: Any) -> Any:
        where.append(on_event_loop())
        return classify(*args, **kwargs)

    monkeypatch.setattr(webhooks, "webhook_message", recording)
    web = make_web(intake_document(**RULES))
    answer = web.post("/v1/alertmanager", notification(alert("DbDown", team="db")))
    assert answer.status_code == 202
    assert where == [False]


def test_a_refused_alert_is_still_a_422(make_web: Callable[..., Web]) -> None:
    """Refusing an alert nothing classifies still answers 422 from the thread pool."""
    web = make_web(intake_document())
    answer = web.post("/v1/alertmanager", notification(alert("Unknown")))
    assert answer.status_code == 422
