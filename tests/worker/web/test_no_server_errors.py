"""Inputs that were 500s: each now has an answer that says what is wrong (or works)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import pytest

from muster.worker.core.intake.ack_tokens import sign
from muster.worker.core.intake.reply_codes import reply_code
from muster.worker.core.rendering.digest import DIGEST_SUBJECT
from tests.harness.web_app import (
    ACK_SECRET,
    ISSUED,
    SCRIPT_TOKEN,
    TOKEN,
    StubIncidents,
    Web,
    intake_document,
)

ANN = "+353850000001"
SIGNING_SECRET = "a-signing-secret-of-the-caller-0123"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/messages/declared",
        "/v1/messages/milestone",
        "/v1/messages/acknowledged",
        "/v1/messages/resolved",
        "/v1/alertmanager",
        "/v1/grafana",
    ],
)
@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"title": "\xff\xfe"}', "application/json"),
        (b"title=\xff&impact=\xfe", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_is_not_utf8_is_422(
    web: Web, path: str, content: bytes, content_type: str
) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type}
    answer = web.client.post(path, content=content, headers=headers)
    assert 400 <= answer.status_code < 500, answer.text
    assert web.publisher.sent == []


@pytest.fixture
def signing(make_web: Callable[..., Web]) -> Web:
    """The SMS provider's caller signs its bodies (HMAC-SHA256 in ``X-Signature``)."""
    document = intake_document()
    document["intake"]["callers"]["script"]["signature"] = {
        "header": "X-Signature",
        "secret": SIGNING_SECRET,
    }
    document["intake"]["sms_replies"] = True
    document["people"]["ann"]["sms"] = ANN
    document["contacts"]["sms"] = "json://127.0.0.1:9/sms/{sms}"
    incidents = StubIncidents(states={"inc-1": "investigating"}, paged={"ann": ["inc-1"]})
    return make_web(document, incidents=incidents)


def test_a_signed_sms_reply_acknowledges(signing: Web) -> None:
    """The signature is checked over the body the form is then read from (read once)."""
    body = f"From=%2B353850000001&Body={reply_code('inc-1')}".encode()
    signature = hmac.new(SIGNING_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Authorization": f"Bearer {SCRIPT_TOKEN}",
        "X-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    answer = signing.client.post("/v1/replies/sms", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert "Acknowledged inc-1" in answer.text
    assert signing.publisher.sent == [
        ("muster.incident.acknowledged", {"incident_id": "inc-1", "person": "ann"})
    ]


def test_a_wrongly_signed_sms_reply_is_401(signing: Web) -> None:
    body = f"From=%2B353850000001&Body={reply_code('inc-1')}".encode()
    headers = {
        "Authorization": f"Bearer {SCRIPT_TOKEN}",
        "X-Signature": "0" * 64,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    answer = signing.client.post("/v1/replies/sms", content=body, headers=headers)
    assert answer.status_code == 401
    assert signing.publisher.sent == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_ack_token_whose_signature_is_not_ascii_is_an_unknown_link(
    web: Web, method: str
) -> None:
    payload = sign(ACK_SECRET, "inc-1", "ann", ISSUED).rpartition(".")[0]
    answer = web.client.request(method, f"/ack/{payload}.%C3%A9t%C3%A9")
    assert answer.status_code == 404
    assert "Unknown link" in answer.text


def test_an_ack_link_used_while_the_broker_is_down_says_try_again(
    make_web: Callable[..., Web],
) -> None:
    web = make_web(incidents=StubIncidents(states={"inc-1": "investigating"}))
    web.publisher.broker_down = True
    answer = web.client.post(f"/ack/{sign(ACK_SECRET, 'inc-1', 'ann', ISSUED)}")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert "cannot be queued" in answer.text
    assert "redis" not in answer.text  # the broker's address stays in the log


def test_a_digest_link_used_while_the_broker_is_down_says_try_again(
    make_web: Callable[..., Web],
) -> None:
    incidents = StubIncidents(digests={("d-1", "ann"): ["inc-1", "inc-2"]})
    web = make_web(incidents=incidents)
    web.publisher.broker_down = True
    answer = web.client.post(f"/ack/{sign(ACK_SECRET, DIGEST_SUBJECT + 'd-1', 'ann', ISSUED)}")
    assert answer.status_code == 503
    assert "try again" in answer.text
