"""SMS replies from a caller configured as Twilio: each request must carry Twilio's signature of
the configured public URL and the posted form, keyed by the account's auth token."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from muster.worker.core.config.issues import ConfigError
from muster.worker.core.intake.reply_codes import reply_code
from muster.worker.core.intake.twilio_signature import twilio_signature
from muster.worker.web.metrics import REFUSED
from tests.harness.web_app import StubIncidents, Web, intake_document

ANN = "+353850000001"
TWILIO_TOKEN = "twilio-caller-token-0123456789"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"  # the Twilio account's auth token
PUBLIC_URL = "https://muster.example.com/v1/replies/sms"


@pytest.fixture
def web(make_web: Callable[..., Web]) -> Web:
    document = intake_document()
    document["people"]["ann"]["sms"] = ANN
    document["contacts"]["sms"] = "json://127.0.0.1:9/sms/{sms}"
    document["intake"]["callers"]["twilio"] = {
        "token": TWILIO_TOKEN,
        "twilio": {"auth_token": AUTH_TOKEN, "public_url": PUBLIC_URL},
        "scopes": ["replies"],
    }
    incidents = StubIncidents(states={"inc-1": "investigating"}, paged={"ann": ["inc-1"]})
    return make_web(document, incidents=incidents)


def post(web: Web, form: dict[str, str], signature: str | None) -> object:
    basic = base64.b64encode(f"twilio:{TWILIO_TOKEN}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return web.client.post("/v1/replies/sms", data=form, headers=headers)


def form() -> dict[str, str]:
    return {"From": ANN, "Body": f"ack {reply_code('inc-1')}", "MessageSid": "SM1"}


def test_a_reply_twilio_signed_acknowledges(web: Web) -> None:
    signature = twilio_signature(AUTH_TOKEN, PUBLIC_URL, form().items())
    answer = post(web, form(), signature)
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    assert web.publisher.sent == [
        ("muster.incident.acknowledged", {"incident_id": "inc-1", "person": "ann"})
    ]


def test_an_unsigned_reply_is_refused_and_counted(web: Web) -> None:
    before = REFUSED.labels("twilio", "bad_signature")._value.get()
    answer = post(web, form(), None)
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert "X-Twilio-Signature" in answer.text  # type: ignore[attr-defined]
    assert REFUSED.labels("twilio", "bad_signature")._value.get() == before + 1
    assert web.publisher.sent == []


@pytest.mark.parametrize(
    "signature",
    [
        twilio_signature("f" * 32, PUBLIC_URL, form().items()),  # another account's token
        twilio_signature(AUTH_TOKEN, "https://evil.example.com/", form().items()),
        twilio_signature(AUTH_TOKEN, PUBLIC_URL, {**form(), "From": "+15550000000"}.items()),
        "not base64 at all",
    ],
    ids=["other_token", "other_url", "other_form", "garbage"],
)
def test_a_wrongly_signed_reply_is_refused(web: Web, signature: str) -> None:
    answer = post(web, form(), signature)
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert web.publisher.sent == []


@pytest.mark.parametrize(
    "signed_url",
    [
        "https://muster.example.com:443/v1/replies/sms",
        f"https://twilio:{TWILIO_TOKEN}@muster.example.com/v1/replies/sms",
    ],
    ids=["default_port", "with_credentials"],
)
def test_a_signature_over_a_variant_twilio_uses_acknowledges(web: Web, signed_url: str) -> None:
    """Twilio's own validators accept the URL with and without its default port, and a URL
    with basic credentials may be signed with them."""
    answer = post(web, form(), twilio_signature(AUTH_TOKEN, signed_url, form().items()))
    assert answer.status_code == 200  # type: ignore[attr-defined]


def test_a_public_url_with_credentials_is_a_config_error(make_web: Callable[..., Web]) -> None:
    document = intake_document()
    document["intake"]["callers"]["twilio"] = {
        "token": TWILIO_TOKEN,
        "twilio": {"auth_token": AUTH_TOKEN, "public_url": f"https://t:{TWILIO_TOKEN}@m.test/"},
    }
    with pytest.raises(ConfigError):
        make_web(document)
