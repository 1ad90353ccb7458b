"""SMS replies: the code of a page, texted back from a person's number, acknowledges for them."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from muster.worker.core.intake.reply_codes import reply_code
from tests.harness.web_app import SCRIPT_TOKEN, StubIncidents, Web, intake_document

ANN = "+353850000001"


@pytest.fixture
def web(make_web: Callable[..., Web]) -> Web:
    document = intake_document()
    document["people"]["ann"]["sms"] = ANN
    document["contacts"]["sms"] = "json://127.0.0.1:9/sms/{sms}"
    incidents = StubIncidents(
        states={"inc-1": "investigating", "inc-2": "resolved"},
        paged={"ann": ["inc-1", "inc-2"]},
    )
    return make_web(document, incidents=incidents)


def reply(web: Web, sender: str, body: str, token: str = SCRIPT_TOKEN) -> object:
    basic = base64.b64encode(f"twilio:{token}".encode()).decode()
    return web.client.post(
        "/v1/replies/sms",
        data={"From": sender, "Body": body, "MessageSid": "SM1"},
        headers={"Authorization": f"Basic {basic}"},
    )


class TestReplies:
    def test_the_code_from_the_person_s_number_acknowledges_for_them(self, web: Web) -> None:
        """Twilio's form, Basic credentials from the webhook URL; the answer is TwiML."""
        answer = reply(web, "+353 85 000 0001", f"ack {reply_code('inc-1')}")
        assert answer.status_code == 200  # type: ignore[attr-defined]
        assert answer.headers["content-type"].startswith("text/xml")  # type: ignore[attr-defined]
        assert "Acknowledged inc-1" in answer.text  # type: ignore[attr-defined]
        assert web.publisher.sent == [
            ("muster.incident.acknowledged", {"incident_id": "inc-1", "person": "ann"})
        ]

    def test_a_stranger_s_number_is_refused_without_a_text(self, web: Web) -> None:
        answer = reply(web, "+15550009999", reply_code("inc-1"))
        assert answer.status_code == 403  # type: ignore[attr-defined]
        assert web.publisher.sent == []

    @pytest.mark.parametrize("body", ["0000x", "hello", "12 34"])
    def test_no_code_or_an_unknown_one_acknowledges_nothing(self, web: Web, body: str) -> None:
        if reply_code("inc-1") in body:
            pytest.skip("the random code happens to be in the body")
        answer = reply(web, ANN, body)
        assert "Nothing done" in answer.text  # type: ignore[attr-defined]
        assert web.publisher.sent == []

    def test_the_code_of_a_resolved_incident_no_longer_acts(self, web: Web) -> None:
        answer = reply(web, ANN, reply_code("inc-2"))
        assert "resolved already" in answer.text  # type: ignore[attr-defined]
        assert web.publisher.sent == []

    def test_a_wrong_password_is_401(self, web: Web) -> None:
        answer = reply(web, ANN, reply_code("inc-1"), token="wrong-token-0123456789")
        assert answer.status_code == 401  # type: ignore[attr-defined]


def test_a_reply_without_credentials_is_challenged_for_basic(web: Web) -> None:
    """Twilio sends a webhook URL's credentials only after a 401 asking for Basic, realm and
    all (Twilio's security docs): a Bearer challenge would leave every reply unauthorised."""
    answer = web.client.post("/v1/replies/sms", data={"From": ANN, "Body": "1234"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Basic realm="muster"'
