"""Every /v1 route needs a caller's bearer token; signing callers need a valid signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import pytest
from structlog.testing import capture_logs

from tests.worker.web.conftest import TOKEN, Web, intake_document

DECLARATION = {"title": "API down", "impact": "major", "urgency": "high", "services": ["api"]}
GRAFANA_SECRET = "grafana-hmac-secret-0123456789"


class TestBearerTokens:
    @pytest.mark.parametrize(
        "headers",
        [{}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN}],
        ids=["none", "wrong", "no-scheme"],
    )
    def test_a_missing_or_wrong_token_is_401_and_queues_nothing(
        self, web: Web, headers: dict[str, str]
    ) -> None:
        answer = web.client.post("/v1/messages/declared", json=DECLARATION, headers=headers)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert web.publisher.sent == []

    def test_no_configured_callers_means_no_intake(self, make_web: Callable[..., Web]) -> None:
        """Without intake.callers nobody can queue: the reason says what to add."""
        document = intake_document()
        del document["intake"]
        answer = make_web(document).post("/v1/messages/declared", DECLARATION)
        assert answer.status_code == 401
        assert "intake.callers" in answer.json()["detail"]

    def test_the_token_is_never_in_the_answer_or_the_logs(self, web: Web) -> None:
        with capture_logs() as logs:
            web.post("/v1/messages/declared", DECLARATION, token="wrong-token-0123456789")
            web.post("/v1/messages/declared", DECLARATION)
        assert "token-0123456789" not in repr(logs)


def signed(body: bytes, stamp: str | None) -> str:
    message = body if stamp is None else stamp.encode() + b":" + body
    return hmac.new(GRAFANA_SECRET.encode(), message, hashlib.sha256).hexdigest()


class TestSignatures:
    @pytest.fixture
    def grafana(self, make_web: Callable[..., Web]) -> Web:
        document = intake_document()
        document["intake"]["callers"]["grafana"] = {
            "token": "grafana-token-0123456789",
            "signature": {
                "secret": GRAFANA_SECRET,
                "timestamp_header": "X-Grafana-Alerting-Timestamp",
            },
        }
        return make_web(document)

    def send(self, web: Web, signature: str | None, stamp: str | None) -> int:
        body = json.dumps(DECLARATION).encode()
        headers = {"Authorization": "Bearer grafana-token-0123456789"}
        headers["Content-Type"] = "application/json"
        if signature is not None:
            headers["X-Grafana-Alerting-Signature"] = signature
        if stamp is not None:
            headers["X-Grafana-Alerting-Timestamp"] = stamp
        return web.client.post("/v1/messages/declared", content=body, headers=headers).status_code

    def test_a_correctly_signed_body_is_accepted(self, grafana: Web) -> None:
        stamp = str(int(time.time()))
        body = json.dumps(DECLARATION).encode()
        assert self.send(grafana, signed(body, stamp), stamp) == 202

    def test_a_missing_wrong_or_stale_signature_is_401(self, grafana: Web) -> None:
        body = json.dumps(DECLARATION).encode()
        now, stale = str(int(time.time())), str(int(time.time()) - 3600)
        assert self.send(grafana, None, now) == 401
        assert self.send(grafana, signed(body + b" ", now), now) == 401
        assert self.send(grafana, signed(body, stale), stale) == 401
        assert self.send(grafana, signed(body, now), None) == 401
        assert grafana.publisher.sent == []

    def post_signed(self, web: Web, body: bytes, signature: str, stamp: str) -> int:
        headers = {
            "Authorization": "Bearer grafana-token-0123456789",
            "Content-Type": "application/json",
            "X-Grafana-Alerting-Signature": signature,
            "X-Grafana-Alerting-Timestamp": stamp,
        }
        return web.client.post("/v1/messages/declared", content=body, headers=headers).status_code

    def test_a_wrongly_signed_body_that_is_not_json_is_401(self, grafana: Web) -> None:
        """The signature is checked over the bytes before they are parsed."""
        now = str(int(time.time()))
        assert self.post_signed(grafana, b'{"title": ', signed(b"other", now), now) == 401

    def test_a_correctly_signed_body_that_is_not_json_is_422(self, grafana: Web) -> None:
        now = str(int(time.time()))
        body = b'{"title": '
        assert self.post_signed(grafana, body, signed(body, now), now) == 422
