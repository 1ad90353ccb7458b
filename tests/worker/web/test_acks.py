"""The Acknowledge links, served by the web process: GET asks, POST acknowledges, tokens are
never logged."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

from muster.worker.clock import ManualClock
from muster.worker.core.intake.ack_tokens import sign
from muster.worker.web.access_log import masked_path
from tests.harness.logs import captured_logs
from tests.harness.web_app import ACK_SECRET, ISSUED, StubIncidents, Web, intake_document


def link(person: str = "ann", secret: str = ACK_SECRET, issued_at: datetime = ISSUED) -> str:
    return f"/ack/{sign(secret, 'inc-1', person, issued_at)}"


def open_incident() -> StubIncidents:
    return StubIncidents(states={"inc-1": "investigating"})


class TestLinks:
    def test_opening_the_link_only_asks(self, make_web: Any) -> None:
        """A GET (a person, or a link scanner) shows a button and acknowledges nothing."""
        web = make_web(incidents=open_incident())
        answer = web.client.get(link())
        assert answer.status_code == 200
        assert "<button" in answer.text
        assert answer.headers["cache-control"] == "no-store"
        assert web.publisher.sent == []

    def test_pressing_the_button_acknowledges_for_that_person(self, make_web: Any) -> None:
        web = make_web(incidents=open_incident())
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


class TestExpiry:
    """A link acts for a day after its page was sent (``ack.expires``), then says it expired."""

    def test_a_link_used_within_its_lifetime_acts(self, make_web: Any) -> None:
        clock = ManualClock(ISSUED + timedelta(hours=23, minutes=59))
        web = make_web(incidents=open_incident(), clock=clock)
        assert web.client.post(link()).status_code == 200
        assert len(web.publisher.sent) == 1

    def test_a_link_older_than_a_day_has_expired(self, make_web: Any) -> None:
        web = make_web(incidents=open_incident(), clock=ManualClock(ISSUED + timedelta(hours=24)))
        for answer in (web.client.get(link()), web.client.post(link())):
            assert answer.status_code == 410
            assert "expired" in answer.text
        assert web.publisher.sent == []

    def test_the_config_sets_how_long_a_link_lives(self, make_web: Any) -> None:
        """Measured when used: shortening ``ack.expires`` shortens the links already sent."""
        document = intake_document()
        document["ack"]["expires"] = "30m"
        clock = ManualClock(ISSUED + timedelta(minutes=31))
        web = make_web(document, incidents=open_incident(), clock=clock)
        assert web.client.post(link()).status_code == 410
        assert web.publisher.sent == []

    def test_a_digest_link_expires_too(self, make_web: Any) -> None:
        incidents = StubIncidents(digests={("d-1", "ann"): ["inc-1"]})
        web = make_web(incidents=incidents, clock=ManualClock(ISSUED + timedelta(days=2)))
        answer = web.client.post(f"/ack/{sign(ACK_SECRET, 'digest/d-1', 'ann', ISSUED)}")
        assert answer.status_code == 410
        assert "expired" in answer.text
        assert web.publisher.sent == []


class TestWhatALinkNames:
    def test_a_link_for_someone_no_longer_in_the_config_acknowledges_nothing(
        self, make_web: Any
    ) -> None:
        """Signed for ``zed``, who was removed from ``people``: the page says so."""
        web = make_web(incidents=open_incident())
        for answer in (web.client.get(link("zed")), web.client.post(link("zed"))):
            assert answer.status_code == 410
            assert "not for a current person" in answer.text
        assert web.publisher.sent == []

    def test_a_digest_link_for_someone_no_longer_in_the_config_acknowledges_nothing(
        self, make_web: Any
    ) -> None:
        web = make_web(incidents=StubIncidents(digests={("d-1", "zed"): ["inc-1"]}))
        answer = web.client.post(f"/ack/{sign(ACK_SECRET, 'digest/d-1', 'zed', ISSUED)}")
        assert answer.status_code == 410
        assert web.publisher.sent == []

    def test_a_link_for_an_incident_that_does_not_exist_acknowledges_nothing(
        self, make_web: Any
    ) -> None:
        web = make_web(incidents=StubIncidents(states={}))
        for answer in (web.client.get(link()), web.client.post(link())):
            assert answer.status_code == 404
            assert "no incident" in answer.text
        assert web.publisher.sent == []

    def test_without_the_database_it_says_so_and_claims_nothing(self, make_web: Any) -> None:
        web = make_web(incidents=BrokenIncidents())
        answer = web.client.post(link())
        assert answer.status_code == 503
        assert "cannot be checked" in answer.text
        assert "Acknowledged" not in answer.text
        assert web.publisher.sent == []

    def test_with_no_database_at_all_it_claims_nothing(self, web: Web) -> None:
        assert web.client.post(link()).status_code == 503
        assert web.publisher.sent == []


class TestTokensOfEarlierVersions:
    """Version-1 tokens (sent before links expired) carry no issue time: they act while their
    incident is open, for a current person, and never once it resolves."""

    def v1_link(self, person: str = "ann") -> str:
        payload = base64.urlsafe_b64encode(f"inc-1\x1f{person}".encode()).decode().rstrip("=")
        mac = hmac.new(ACK_SECRET.encode(), payload.encode(), hashlib.sha256).digest()[:18]
        return f"/ack/{payload}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"

    def test_it_acts_while_its_incident_is_open(self, make_web: Any) -> None:
        web = make_web(incidents=open_incident(), clock=ManualClock(ISSUED + timedelta(days=30)))
        assert web.client.post(self.v1_link()).status_code == 200
        assert len(web.publisher.sent) == 1

    def test_it_acts_no_more_once_its_incident_resolved(self, make_web: Any) -> None:
        web = make_web(incidents=StubIncidents(states={"inc-1": "resolved"}))
        assert web.client.post(self.v1_link()).status_code == 410
        assert web.publisher.sent == []

    def test_it_acts_for_no_one_removed_from_the_config(self, make_web: Any) -> None:
        web = make_web(incidents=open_incident())
        assert web.client.post(self.v1_link("zed")).status_code == 410
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
        web = make_web(incidents=open_incident())
        assert web.client.post(link()).status_code == 200
        assert len(web.publisher.sent) == 1


class BrokenIncidents(StubIncidents):
    """A database that cannot be read."""

    def state(self, incident_id: str) -> str | None:
        raise OperationalError("SELECT", {}, Exception("connection refused"))


class TestRequestLog:
    def test_a_request_is_logged_without_its_token(self, make_web: Any) -> None:
        """The token in the path acknowledges for its person: the request line names the
        route and status with the token masked."""
        web = make_web(incidents=open_incident())
        token = sign(ACK_SECRET, "inc-1", "ann", ISSUED)
        with captured_logs() as logs:
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
        with captured_logs() as logs:
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

    @pytest.mark.parametrize("template", ["/ack/{}/extra", "/nowhere/{}/x", "/v1/x/{}/y", "/{}"])
    def test_a_token_is_masked_in_any_route_or_none(self, web: Web, template: str) -> None:
        """``GET /ack/TOKEN/extra`` and unknown routes: the token is in no log line."""
        token = sign(ACK_SECRET, "inc-1", "ann", ISSUED)
        with captured_logs() as logs:
            web.client.get(template.format(token))
        assert logs
        assert token not in repr(logs)
        assert token.split(".")[1] not in repr(logs)

    @given(
        subject=st.text(st.characters(codec="utf-8", exclude_characters="\x1f"), min_size=1),
        person=st.text(st.characters(codec="utf-8", exclude_characters="\x1f"), min_size=1),
        issued=st.datetimes(timezones=st.just(UTC)),
        before=st.text(),
        after=st.text(),
    )
    def test_no_logged_path_contains_a_token(
        self, subject: str, person: str, issued: datetime, before: str, after: str
    ) -> None:
        """Whatever surrounds a real token in a path, its masked form does not hold it."""
        token = sign(ACK_SECRET, subject, person, issued)
        assert token not in masked_path(f"/{before}{token}{after}")
        assert token not in masked_path(f"{before}/{token}/{after}")


class TestDigestLinks:
    """A digest's link acknowledges, for its person, every open incident the digest listed."""

    DIGEST = "digest:chat:2026-11-25T12:00:00+00:00"

    def digest_link(self, person: str = "ann") -> str:
        return f"/ack/{sign(ACK_SECRET, 'digest/' + self.DIGEST, person, ISSUED)}"

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
        answer = web.client.post(self.digest_link("ben"))
        assert answer.status_code == 404
        assert "no incident" in answer.text
        assert web.publisher.sent == []

    def test_a_digest_whose_incidents_all_resolved_acknowledges_nothing(
        self, make_web: Any
    ) -> None:
        incidents = StubIncidents(states={"inc-3": "resolved"})
        incidents.digests[(self.DIGEST, "ann")] = ["inc-3"]
        answer = make_web(incidents=incidents).client.post(self.digest_link())
        assert answer.status_code == 410
        assert "resolved" in answer.text

    def test_without_the_database_it_says_to_try_again(self, web: Web) -> None:
        assert web.client.post(self.digest_link()).status_code == 503
        assert web.publisher.sent == []
