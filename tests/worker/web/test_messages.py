"""The message contract over HTTP: 202 once queued, with the incident id; the reasons otherwise."""

from __future__ import annotations

from collections.abc import Callable

from muster.worker.web.metrics import REFUSED
from tests.harness.web_app import SCRIPT_TOKEN, Web

DECLARATION = {"title": "API down", "impact": "major", "urgency": "high", "services": ["api"]}


class TestDeclared:
    def test_a_declaration_is_queued_with_an_id_and_the_caller_as_source(self, web: Web) -> None:
        answer = web.post("/v1/messages/declared", DECLARATION, token=SCRIPT_TOKEN)
        assert answer.status_code == 202
        body = answer.json()
        assert body["incident_id"].startswith("inc-")
        assert body["task"] == "muster.incident.declared"
        [(task, payload)] = web.publisher.sent
        assert task == "muster.incident.declared"
        assert payload["incident_id"] == body["incident_id"]
        assert payload["source"] == "script"

    def test_a_given_incident_id_is_kept(self, web: Web) -> None:
        answer = web.post("/v1/messages/declared", {**DECLARATION, "incident_id": "inc-7"})
        assert answer.json()["incident_id"] == "inc-7"

    def test_a_contract_violation_is_422_with_the_field_named(self, web: Web) -> None:
        answer = web.post("/v1/messages/declared", {**DECLARATION, "severity": "SEV1"})
        assert answer.status_code == 422
        assert "severity" in answer.text
        assert web.publisher.sent == []

    def test_malformed_json_is_422_and_queues_nothing(self, web: Web) -> None:
        answer = web.client.post(
            "/v1/messages/declared",
            content=b"{not json",
            headers={"Authorization": f"Bearer {SCRIPT_TOKEN}", "Content-Type": "application/json"},
        )
        assert answer.status_code == 422
        assert web.publisher.sent == []

    def test_an_unreachable_broker_is_503_with_retry_after(self, web: Web) -> None:
        web.publisher.broker_down = True
        answer = web.post("/v1/messages/declared", DECLARATION)
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "5"
        assert "redis" not in answer.text  # the broker's address stays in the log


class TestOtherMessages:
    def test_milestone_acknowledged_and_resolved_are_queued_as_given(self, web: Web) -> None:
        milestone = {"incident_id": "inc-1", "kind": "note", "text": "Rolled back"}
        assert web.post("/v1/messages/milestone", milestone).status_code == 202
        ack = {"incident_id": "inc-1", "person": "ann"}
        assert web.post("/v1/messages/acknowledged", ack).status_code == 202
        assert web.post("/v1/messages/resolved", {"incident_id": "inc-1"}).status_code == 202
        assert [task for task, _ in web.publisher.sent] == [
            "muster.incident.milestone",
            "muster.incident.acknowledged",
            "muster.incident.resolved",
        ]

    def test_a_resolution_names_an_incident_or_a_fingerprint(self, web: Web) -> None:
        assert web.post("/v1/messages/resolved", {"fingerprint": "fp-1"}).status_code == 202
        assert web.post("/v1/messages/resolved", {}).status_code == 422


class TestLimits:
    def test_a_body_over_the_limit_is_413(self, make_web: Callable[..., Web]) -> None:
        web = make_web(max_body=2048)
        refused_before = REFUSED.labels("", "too_large")._value.get()
        answer = web.post("/v1/messages/declared", {**DECLARATION, "summary": "x" * 3000})
        assert answer.status_code == 413
        assert web.publisher.sent == []
        assert REFUSED.labels("", "too_large")._value.get() > refused_before

    def test_a_streamed_body_over_the_limit_is_413_too(self, make_web: Callable[..., Web]) -> None:
        web = make_web(max_body=2048)

        def chunks() -> object:
            yield b'{"title": "'
            yield b"x" * 4096
            yield b'"}'

        answer = web.client.post(
            "/v1/messages/declared",
            content=chunks(),  # type: ignore[arg-type]
            headers={"Authorization": f"Bearer {SCRIPT_TOKEN}", "Content-Type": "application/json"},
        )
        assert answer.status_code == 413
        assert web.publisher.sent == []


class TestDescription:
    def test_the_openapi_description_lists_every_route(self, web: Web) -> None:
        paths = web.client.get("/openapi.json").json()["paths"]
        assert set(paths) == {
            "/v1/messages/declared",
            "/v1/messages/milestone",
            "/v1/messages/acknowledged",
            "/v1/messages/resolved",
            "/v1/alertmanager",
            "/v1/grafana",
            "/v1/replies/sms",
            "/v1/heartbeats/{name}",
            "/v1/oncall",
            "/v1/incidents",
            "/v1/silences",
            "/v1/silences/{ident}",
            "/healthz",
            "/readyz",
            "/metrics",
        }

    def test_healthz_answers_without_a_token(self, web: Web) -> None:
        assert web.client.get("/healthz").json() == {"status": "ok"}


class TestMetrics:
    def test_accepted_and_refused_messages_are_counted_by_caller(self, web: Web) -> None:
        """Prometheus' text format: what was queued by whom, what was refused and why."""
        web.post("/v1/messages/declared", DECLARATION, token=SCRIPT_TOKEN)
        web.post("/v1/messages/declared", DECLARATION, token="wrong-token-0123456789")
        web.publisher.broker_down = True
        web.post("/v1/messages/declared", DECLARATION, token=SCRIPT_TOKEN)
        text = web.client.get("/metrics").text
        assert (
            'muster_intake_accepted_total{caller="script",task="muster.incident.declared"}' in text
        )
        assert 'muster_intake_refused_total{caller="",reason="unauthorized"}' in text
        assert 'muster_intake_refused_total{caller="script",reason="broker_unavailable"}' in text
        assert 'muster_web_requests_total{route="/v1/messages/declared",status="202"}' in text
        assert "muster_intake_queue_seconds_bucket" in text
        assert "0123456789" not in text
