"""The Acknowledge links, served by the web process: GET asks, POST acknowledges, tokens are
never logged."""

from __future__ import annotations

from typing import Any

import pytest
from structlog.testing import capture_logs

from muster.worker.core.ack_tokens import sign
from muster.worker.web.access_log import masked_path
from tests.worker.web.conftest import ACK_SECRET, StubIncidents, Web


def link(person: str = "ann", secret: str = ACK_SECRET) -> str:
    return f"/ack/{sign(secret, 'inc-1', person)}"


class TestLinks:
    def test_opening_the_link_only_asks(self, web: Web) -> None:
        """A GET (a person, or a link scanner) shows a button and acknowledges nothing."""
        answer = web.client.get(link())
        assert answer.status_code == 200
        assert "<button" in answer.text
        assert answer.headers["cache-control"] == "no-store"
        assert web.publisher.sent == []

    def test_pressing_the_button_acknowledges_for_that_person(self, web: Web) -> None:
        answer = web.client.post(link())
        assert answer.status_code == 200
        assert "Acknowledged" in answer.text
        assert web.publisher.sent == [
            ("muster.incident.acknowledged", {"incident_id": "inc-1", "person": "ann"})
        ]

    def test_a_forged_link_is_not_found(self, web: Web) -> None:
        answer = web.client.post(link(secret="not-the-secret-at-all"))
        assert answer.status_code == 404
        assert web.publisher.sent == []


class TestResolvedIncidents:
    def test_a_link_of_a_resolved_incident_no_longer_acts(self, make_web: Any) -> None:
        """The page says so (410), for the GET and the POST alike; nothing is queued."""
        web = make_web(incidents=StubIncidents(states={"inc-1": "resolved"}))
        assert web.client.get(link()).status_code == 410
        answer = web.client.post(link())
        assert answer.status_code == 410
        assert "resolved" in answer.text
        assert web.publisher.sent == []

    def test_a_link_of_an_open_incident_still_acts(self, make_web: Any) -> None:
        web = make_web(incidents=StubIncidents(states={"inc-1": "investigating"}))
        assert web.client.post(link()).status_code == 200
        assert len(web.publisher.sent) == 1


class TestRequestLog:
    def test_a_request_is_logged_without_its_token(self, web: Web) -> None:
        """The token in the path acknowledges for its person: the request line names the
        route and status with the token masked."""
        token = sign(ACK_SECRET, "inc-1", "ann")
        with capture_logs() as logs:
            web.client.get(f"/ack/{token}")
            web.client.get(f"/ack/{token[:-2]}?x=1")
            web.client.get("/healthz")
        lines = [(e["request"], e["status"]) for e in logs if e["event"] == "web.request"]
        assert lines == [("GET /ack/****", 200), ("GET /ack/****", 404), ("GET /healthz", 200)]
        assert token[:20] not in repr(logs)

    def test_a_request_that_queues_a_message_is_one_line_naming_it(self, web: Web) -> None:
        """What was queued goes on the request's own line: one line an accepted message."""
        declaration = {"title": "API down", "impact": "major", "urgency": "high"}
        declaration["services"] = ["api"]
        with capture_logs() as logs:
            answer = web.post("/v1/messages/declared", {**declaration, "incident_id": "inc-7"})
        assert answer.status_code == 202
        assert [(e["event"], e["status"]) for e in logs] == [("web.request", 202)]
        assert {key: logs[0][key] for key in ("request", "task", "incident_id")} == {
            "request": "POST /v1/messages/declared",
            "task": "muster.incident.declared",
            "incident_id": "inc-7",
        }

    @pytest.mark.parametrize(
        ("path", "logged"),
        [
            ("/v1/alertmanager", "/v1/alertmanager"),
            ("/ack/abc.def?next=1", "/ack/****"),
            ("/v1/heartbeats/" + "k" * 40, "/v1/heartbeats/****"),
            ("/", "/"),
        ],
    )
    def test_paths_are_masked_where_a_credential_could_be(self, path: str, logged: str) -> None:
        assert masked_path(path) == logged


class TestDigestLinks:
    """A digest's link acknowledges, for its person, every open incident the digest listed."""

    DIGEST = "digest:chat:2026-11-25T12:00:00+00:00"

    def digest_link(self, person: str = "ann") -> str:
        return f"/ack/{sign(ACK_SECRET, 'digest/' + self.DIGEST, person)}"

    def incidents(self) -> StubIncidents:
        return StubIncidents(
            states={"inc-1": "investigating", "inc-2": "identified", "inc-3": "resolved"},
            digests={(self.DIGEST, "ann"): ["inc-1", "inc-2", "inc-3"]},
        )

    def test_opening_it_lists_the_open_incidents_and_only_asks(self, make_web: Any) -> None:
        web = make_web(incidents=self.incidents())
        answer = web.client.get(self.digest_link())
        assert answer.status_code == 200
        assert "these 2 incidents" in answer.text
        assert "inc-1" in answer.text
        assert "inc-2" in answer.text
        assert "inc-3" not in answer.text
        assert web.publisher.sent == []

    def test_pressing_the_button_acknowledges_each_open_incident_for_that_person(
        self, make_web: Any
    ) -> None:
        web = make_web(incidents=self.incidents())
        answer = web.client.post(self.digest_link())
        assert answer.status_code == 200
        assert web.publisher.sent == [
            ("muster.incident.acknowledged", {"incident_id": "inc-1", "person": "ann"}),
            ("muster.incident.acknowledged", {"incident_id": "inc-2", "person": "ann"}),
        ]

    def test_someone_elses_digest_link_acknowledges_nothing_of_theirs(self, make_web: Any) -> None:
        """The token names its person: ben's link of ann's digest finds no incident of his."""
        web = make_web(incidents=self.incidents())
        assert web.client.post(self.digest_link("ben")).status_code == 410
        assert web.publisher.sent == []

    def test_without_the_database_it_says_to_try_again(self, web: Web) -> None:
        assert web.client.post(self.digest_link()).status_code == 503
        assert web.publisher.sent == []
