"""202 means the worker will act: what it could only dead-letter is refused at the door, 422 for
a name the config lacks (naming the fix), 404 for an incident id the database does not know."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from muster.worker.web import checks
from muster.worker.web.metrics import REFUSED
from tests.harness.web_app import StubIncidents, Web

DECLARATION = {"title": "API down", "impact": "major", "urgency": "high", "services": ["api"]}
KNOWN = "inc-1"


@pytest.fixture
def web(make_web: Callable[..., Web]) -> Web:
    return make_web(incidents=StubIncidents(states={KNOWN: "investigating"}))


class TestNamesTheConfigLacks:
    @pytest.mark.parametrize(
        ("path", "body", "says"),
        [
            (
                "/v1/messages/declared",
                {**DECLARATION, "impact": "apocalyptic"},
                "unknown impact 'apocalyptic': the config defines major, minor",
            ),
            (
                "/v1/messages/declared",
                {**DECLARATION, "urgency": "yesterday"},
                "unknown urgency 'yesterday': the config defines high, low",
            ),
            (
                "/v1/messages/acknowledged",
                {"incident_id": KNOWN, "person": "bem"},
                "unknown person 'bem': not in the config (did you mean 'ben'?)",
            ),
            (
                "/v1/messages/milestone",
                {"incident_id": KNOWN, "kind": "engage", "text": "t", "people": ["ann", "zed"]},
                "unknown person 'zed': not in the config",
            ),
            (
                "/v1/messages/milestone",
                {"incident_id": KNOWN, "kind": "role_change", "text": "t", "role": "chef"},
                "unknown role 'chef': the config defines commander",
            ),
            (
                "/v1/messages/milestone",
                {"incident_id": KNOWN, "kind": "redefinition", "text": "t", "impact": "majr"},
                "unknown impact 'majr': the config defines major, minor",
            ),
        ],
    )
    def test_is_422_naming_the_fix_and_queues_nothing(
        self, web: Web, path: str, body: dict[str, Any], says: str
    ) -> None:
        if body.get("kind") == "role_change":
            body = {**body, "person": "ann"}
        refused_before = REFUSED.labels("alertmanager", "unknown_name")._value.get()
        answer = web.post(path, body)
        assert answer.status_code == 422, answer.text
        assert says in answer.json()["detail"]
        assert web.publisher.sent == []
        assert REFUSED.labels("alertmanager", "unknown_name")._value.get() == refused_before + 1

    def test_an_unknown_service_is_still_queued(self, web: Web) -> None:
        """The contract allows it: the fallback service's SMEs get it."""
        answer = web.post("/v1/messages/declared", {**DECLARATION, "services": ["billing-v2"]})
        assert answer.status_code == 202


class TestIncidentsTheDatabaseLacks:
    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/v1/messages/milestone", {"incident_id": "inc-typo", "kind": "note", "text": "t"}),
            ("/v1/messages/acknowledged", {"incident_id": "inc-typo", "person": "ann"}),
            ("/v1/messages/resolved", {"incident_id": "inc-typo"}),
        ],
    )
    def test_is_404_and_queues_nothing(self, web: Web, path: str, body: dict[str, Any]) -> None:
        answer = web.post(path, body)
        assert answer.status_code == 404, answer.text
        assert "unknown incident 'inc-typo'" in answer.json()["detail"]
        assert web.publisher.sent == []

    def test_a_known_incident_is_queued(self, web: Web) -> None:
        """(An id that joined another incident by fingerprint reads as that incident: the
        lookups follow aliases, tests/worker/web/test_lookups.py.)"""
        body = {"incident_id": KNOWN, "kind": "note", "text": "t"}
        assert web.post("/v1/messages/milestone", body).status_code == 202

    def test_a_resolution_by_fingerprint_is_not_checked(self, web: Web) -> None:
        assert web.post("/v1/messages/resolved", {"fingerprint": "fp-new"}).status_code == 202

    def test_an_incident_committed_a_moment_later_is_queued(
        self, make_web: Callable[..., Web]
    ) -> None:
        """A script declares and at once posts a milestone: the worker commits meanwhile."""
        incidents = StubIncidents()
        web = make_web(incidents=incidents, incident_wait=5)
        committer = threading.Timer(0.3, lambda: incidents.states.update({"inc-new": "x"}))
        committer.start()
        started = time.monotonic()
        body = {"incident_id": "inc-new", "kind": "note", "text": "t"}
        answer = web.post("/v1/messages/milestone", body)
        committer.join()
        assert answer.status_code == 202
        assert time.monotonic() - started < 5

    def test_an_unreadable_database_queues_as_before(self, make_web: Callable[..., Web]) -> None:
        web = make_web(incidents=Unreadable())
        body = {"incident_id": "inc-typo", "kind": "note", "text": "t"}
        assert web.post("/v1/messages/milestone", body).status_code == 202
        assert len(web.publisher.sent) == 1


@dataclass
class Unreadable(StubIncidents):
    """A database that does not answer."""

    asked: list[str] = field(default_factory=list)

    def state(self, incident_id: str) -> str | None:
        self.asked.append(incident_id)
        raise OperationalError("SELECT", {}, Exception("connection refused"))


def test_past_eight_waiting_requests_an_unknown_id_is_judged_at_once(
    make_web: Callable[..., Web], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Waiting holds a worker thread that queueing (an alert's webhook) needs too: bounded."""
    web = make_web(incidents=StubIncidents(), incident_wait=30)
    monkeypatch.setattr(checks, "WAITING", threading.BoundedSemaphore(1))
    checks.WAITING.acquire()  # one request is waiting already
    started = time.monotonic()
    body = {"incident_id": "inc-typo", "kind": "note", "text": "t"}
    assert web.post("/v1/messages/milestone", body).status_code == 404
    assert time.monotonic() - started < 5
