"""Caller scopes: a caller uses only the routes its scopes name; a refusal is 403 naming it."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from muster.worker.web.metrics import REFUSED
from tests.harness.web_app import SCRIPT_TOKEN, TOKEN, Web, intake_document

DECLARATION = {"title": "API down", "impact": "major", "urgency": "high", "services": ["api"]}
SMS_TOKEN = "sms-provider-token-0123456789"


@pytest.fixture
def web(make_web: Callable[..., Web]) -> Web:
    document = intake_document()
    document["intake"]["callers"] = {
        "alertmanager": {"token": TOKEN, "scopes": ["alerts", "heartbeats"]},
        "script": {"token": SCRIPT_TOKEN, "scopes": ["declare"]},
        "sms": {"token": SMS_TOKEN, "scopes": ["replies"]},
    }
    return make_web(document)


def refused(caller: str) -> float:
    return REFUSED.labels(caller, "scope")._value.get()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("path", "body", "scope"),
    [
        ("/v1/messages/acknowledged", {"incident_id": "inc-1", "person": "ann"}, "acknowledge"),
        ("/v1/messages/resolved", {"incident_id": "inc-1"}, "resolve"),
        ("/v1/messages/milestone", {"incident_id": "inc-1", "text": "hi"}, "milestone"),
    ],
)
def test_an_alertmanager_scoped_token_cannot_act_for_people(
    web: Web, path: str, body: dict[str, Any], scope: str
) -> None:
    before = refused("alertmanager")
    answer = web.post(path, body)
    assert answer.status_code == 403
    assert scope in answer.json()["detail"]
    assert refused("alertmanager") == before + 1
    assert web.publisher.sent == []


def test_a_replies_only_caller_cannot_declare(web: Web) -> None:
    answer = web.post("/v1/messages/declared", {"title": "x"}, token=SMS_TOKEN)
    assert answer.status_code == 403
    assert "declare" in answer.json()["detail"]
    assert web.publisher.sent == []


def test_a_declare_scoped_script_cannot_post_alerts(web: Web) -> None:
    answer = web.post("/v1/alertmanager", {"alerts": []}, token=SCRIPT_TOKEN)
    assert answer.status_code == 403
    assert "alerts" in answer.json()["detail"]


def test_an_alerting_caller_cannot_post_sms_replies(web: Web) -> None:
    basic = base64.b64encode(f"twilio:{TOKEN}".encode()).decode()
    answer = web.client.post(
        "/v1/replies/sms",
        data={"From": "+353850000001", "Body": "1234"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 403
    assert "replies" in answer.json()["detail"]


def test_the_scope_is_checked_before_the_body_is_parsed(web: Web) -> None:
    """A refused caller learns nothing about its body: 403, not a 422."""
    answer = web.client.post(
        "/v1/messages/resolved",
        content=b"{not json",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 403


def test_a_heartbeat_within_scope_is_accepted(make_web: Callable[..., Web]) -> None:
    document = intake_document()
    document["intake"]["callers"]["alertmanager"]["scopes"] = ["heartbeats"]
    document["heartbeats"] = {"watchdog": {"every": "1m", "impact": "major", "urgency": "high"}}
    answer = make_web(document).post("/v1/heartbeats/watchdog", None)
    assert answer.status_code == 202


def test_a_declaration_within_scope_is_accepted(web: Web) -> None:
    answer = web.post("/v1/messages/declared", DECLARATION, token=SCRIPT_TOKEN)
    assert answer.status_code == 202, answer.text


def test_an_unscoped_caller_keeps_every_right(make_web: Callable[..., Web]) -> None:
    """Configs written before scopes existed work as they did (config check warns)."""
    answer = make_web().post("/v1/messages/acknowledged", {"incident_id": "x", "person": "ann"})
    assert answer.status_code != 403


@pytest.fixture
def chat_bot(make_web: Callable[..., Web]) -> Web:
    """A caller that acknowledges and posts milestones, for ann and ben only."""
    document = intake_document()
    document["intake"]["callers"]["chat"] = {
        "token": SMS_TOKEN,
        "scopes": ["acknowledge", "milestone"],
        "acts_for": ["ann", "ben"],
    }
    return make_web(document)


MILESTONE = {"incident_id": "inc-1", "kind": "note", "text": "looking"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/messages/acknowledged", {"incident_id": "inc-1", "person": "cat"}),
        ("/v1/messages/milestone", {**MILESTONE, "author": "cat"}),
        ("/v1/messages/milestone", MILESTONE),  # no author: it would sign as nobody in particular
    ],
)
def test_a_caller_acting_for_some_people_cannot_act_for_others(
    chat_bot: Web, path: str, body: dict[str, Any]
) -> None:
    before = REFUSED.labels("chat", "acts_for")._value.get()
    answer = chat_bot.post(path, body, token=SMS_TOKEN)
    assert answer.status_code == 403
    assert "acts_for" in answer.json()["detail"]
    assert REFUSED.labels("chat", "acts_for")._value.get() == before + 1
    assert chat_bot.publisher.sent == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/messages/acknowledged", {"incident_id": "inc-1", "person": "ann"}),
        ("/v1/messages/milestone", {**MILESTONE, "author": "ben"}),
    ],
)
def test_a_caller_acting_for_some_people_acts_for_them(
    chat_bot: Web, path: str, body: dict[str, Any]
) -> None:
    assert chat_bot.post(path, body, token=SMS_TOKEN).status_code == 202
