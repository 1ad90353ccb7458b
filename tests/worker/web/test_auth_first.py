"""The caller is authenticated before its body is parsed, and a 422 never echoes the body.

An unauthenticated caller learns nothing from muster's parser (issue 20: invalid JSON on
``/v1/messages/*`` was parsed, and echoed back in the 422, before the caller was known); an
authenticated one is told what is wrong, in muster's words, never with its own values back.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness.web_app import TOKEN, Web, intake_document

HOSTILE = "hostile-3b9f<script>alert(1)</script>"
INVALID_JSON = b'{"title": "' + HOSTILE.encode() + b'", "impact": '
JSON_ROUTES = [
    "/v1/messages/declared",
    "/v1/messages/milestone",
    "/v1/messages/acknowledged",
    "/v1/messages/resolved",
    "/v1/alertmanager",
    "/v1/grafana",
]
BAD_VALUES = {
    "/v1/messages/declared": {"title": "t", "impact": HOSTILE, "urgency": "high"},
    "/v1/messages/milestone": {"incident_id": "inc-1", "kind": HOSTILE, "text": "x"},
    "/v1/messages/acknowledged": {"incident_id": "inc-1", "person_id": ["not", HOSTILE]},
    "/v1/messages/resolved": {"incident_id": {"id": HOSTILE}},
    "/v1/alertmanager": {"version": "4", "status": HOSTILE, "alerts": [HOSTILE]},
    "/v1/grafana": {"status": HOSTILE, "alerts": HOSTILE},
}


def post_raw(web: Web, path: str, body: bytes, token: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    answer = web.client.post(path, content=body, headers=headers)
    return answer.status_code, answer.text


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_an_unauthenticated_body_that_is_not_json_is_401_not_422(web: Web, path: str) -> None:
    code, text = post_raw(web, path, INVALID_JSON)
    assert code == 401
    assert "hostile-3b9f" not in text


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_an_unauthenticated_invalid_message_is_401(web: Web, path: str) -> None:
    code, _ = post_raw(web, path, json.dumps(BAD_VALUES[path]).encode())
    assert code == 401


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_a_422_for_invalid_json_does_not_echo_the_body(web: Web, path: str) -> None:
    code, text = post_raw(web, path, INVALID_JSON, token=TOKEN)
    assert code == 422
    assert "hostile-3b9f" not in text


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_a_422_for_invalid_values_names_the_field_not_the_value(web: Web, path: str) -> None:
    code, text = post_raw(web, path, json.dumps(BAD_VALUES[path]).encode(), token=TOKEN)
    assert code == 422
    assert "hostile-3b9f" not in text
    assert json.loads(text)["detail"][0]["loc"]  # where, still said


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_the_description_still_gives_each_body_its_schema(web: Web, path: str) -> None:
    """The bodies are parsed by hand now, and still described (schemathesis walks them)."""
    document = web.client.get("/openapi.json").json()
    body = document["paths"][path]["post"]["requestBody"]
    reference = body["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert schema["properties"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("multipart/form-data", b"junk"), ("multipart/form-data; boundary=x", b"--x\r\n\xff")],
    ids=["no-boundary", "cut"],
)
def test_an_unauthenticated_malformed_sms_form_is_401(
    make_web: Callable[..., Web], content_type: str, body: bytes
) -> None:
    document = intake_document()
    document["intake"]["sms_replies"] = True
    answer = make_web(document).client.post(
        "/v1/replies/sms", content=body, headers={"Content-Type": content_type}
    )
    assert answer.status_code == 401


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(["impact", "urgency", "title", "services"]),
    value=st.text(min_size=1, max_size=40).map(lambda text: f"zq{text}qz"),
)
def test_no_value_sent_comes_back_in_a_422(web: Web, field: str, value: str) -> None:
    """Whatever the value, in whichever field, invalid for it or making the message so (the
    keys a caller sends may come back in ``loc``: they say where, and are not values)."""
    bad: object = {"title": value} if field == "services" else value
    message = {"title": "t", "impact": "major", "urgency": "high", field: bad}
    code, text = post_raw(web, "/v1/messages/declared", json.dumps(message).encode(), TOKEN)
    assert code == 422
    assert value not in json.dumps(json.loads(text), ensure_ascii=False)
