"""``/v1/silences``: callers with the ``silence`` scope add, list and expire silences, judged as
``muster silence add`` judges them; any other caller is 403, a bad body 422."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from muster.worker.store.db import Database
from muster.worker.store.silences import DatabaseSilences
from muster.worker.web.metrics import REFUSED
from tests.harness.web_app import NOW, SCRIPT_TOKEN, TOKEN, Web, intake_document

SILENCER = "silencer-token-0123456789abcdef"
BOT = {"Authorization": f"Bearer {SILENCER}"}
REINDEX = {"services": ["api"], "for": "2h", "reason": "reindex"}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database.connect(f"sqlite:///{tmp_path / 'muster.db'}")
    yield database
    database.engine.dispose()


@pytest.fixture
def web(make_web: Callable[..., Web], database: Database) -> Web:
    document = intake_document()
    document["intake"]["callers"] = {
        "alertmanager": {"token": TOKEN},  # no scopes listed: every scope but silence
        "script": {"token": SCRIPT_TOKEN, "scopes": ["declare", "read"]},
        "chatbot": {"token": SILENCER, "scopes": ["silence"]},
    }
    return make_web(document, silences=DatabaseSilences(database))


def add(web: Web, body: dict[str, Any]) -> Any:
    return web.post("/v1/silences", body, token=SILENCER)


def test_a_silencer_adds_a_silence_and_gets_it_back_with_its_id(web: Web) -> None:
    answer = add(web, REINDEX)
    assert answer.status_code == 201, answer.text
    silence = answer.json()
    assert len(silence["id"]) == 8
    assert silence["scope"] == {"services": ["api"]}
    assert (silence["starts_at"], silence["ends_at"]) == (
        "2026-11-25T12:05:00Z",
        "2026-11-25T14:05:00Z",
    )
    assert (silence["author"], silence["source"], silence["state"]) == (
        "chatbot",
        "web:chatbot",
        "active",
    )


def test_an_author_given_in_the_body_is_kept(web: Web) -> None:
    answer = add(web, {**REINDEX, "author": "ann"})
    assert answer.json()["author"] == "ann"


def test_a_wall_clock_start_and_end_are_in_the_config_timezone(web: Web) -> None:
    body = {
        "severities": ["SEV2"],
        "starts": "2026-11-25T22:00",
        "until": "2026-11-26T02:00",
        "reason": "failover",
    }
    silence = add(web, body).json()
    assert (silence["starts_at"], silence["ends_at"]) == (
        "2026-11-25T22:00:00Z",
        "2026-11-26T02:00:00Z",
    )


def test_the_listing_has_what_was_added_and_an_expired_one_only_with_all(web: Web) -> None:
    first = add(web, REINDEX).json()["id"]
    second = add(web, {"match": {"env": "prod"}, "for": "1h", "reason": "deploy"}).json()["id"]
    assert web.client.delete(f"/v1/silences/{second}", headers=BOT).json() == {
        "id": second,
        "outcome": "expired",
    }
    listed = web.client.get("/v1/silences", headers=BOT).json()["silences"]
    everything = web.client.get("/v1/silences?all=true", headers=BOT).json()["silences"]
    assert [s["id"] for s in listed] == [first]
    assert {s["id"]: s["state"] for s in everything} == {first: "active", second: "expired"}
    assert {s["id"]: s["expired_by"] for s in everything} == {first: None, second: "chatbot"}


def test_expiring_an_unknown_silence_is_404(web: Web) -> None:
    assert web.client.delete("/v1/silences/nope", headers=BOT).status_code == 404


@pytest.mark.parametrize(("token", "caller"), [(TOKEN, "alertmanager"), (SCRIPT_TOKEN, "script")])
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/silences"), ("GET", "/v1/silences"), ("DELETE", "/v1/silences/abcd1234")],
)
def test_a_caller_without_the_listed_silence_scope_is_403(
    web: Web, token: str, caller: str, method: str, path: str
) -> None:
    """A caller that lists no scopes has every other one, but not silence: it must be listed."""
    before = REFUSED.labels(caller, "scope")._value.get()
    answer = web.client.request(
        method, path, json=REINDEX, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 403
    assert "silence" in answer.json()["detail"]
    assert REFUSED.labels(caller, "scope")._value.get() == before + 1
    assert web.client.get("/v1/silences", headers=BOT).json()["silences"] == []


def test_no_token_is_401_before_the_body_is_read(web: Web) -> None:
    answer = web.client.post("/v1/silences", content=b"{not json")
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"for": "2h", "reason": "r"}, "a silence needs a scope"),
        ({"services": ["api"], "reason": "r"}, "a silence needs an expiry"),
        (
            {"services": ["api"], "for": "2h", "until": "2026-11-25T13:00Z", "reason": "r"},
            "exactly one",
        ),
        (
            {"services": ["api"], "for": "3d", "reason": "r"},
            "longer than maintenance.silence_max_length (1d)",
        ),
        ({"services": ["nope"], "for": "2h", "reason": "r"}, "no service 'nope'"),
        ({"severities": ["SEV9"], "for": "2h", "reason": "r"}, "no severity 'SEV9'"),
        (
            {"services": ["api"], "for": "2 hours", "reason": "r"},
            "for: '2 hours' is not a duration",
        ),
        ({"services": ["api"], "until": "tomorrow", "reason": "r"}, "until: not an ISO 8601 time"),
        (
            {
                "services": ["api"],
                "starts": "2026-11-25T10:00Z",
                "until": "2026-11-25T12:00Z",
                "reason": "r",
            },
            "its end has passed",
        ),
        ({"services": ["api"], "for": "2h", "reason": " "}, "a silence needs a reason"),
        ({"match_re": {"host": "(a"}, "for": "2h", "reason": "r"}, "not a regular expression RE2"),
        (
            {"services": ["api"], "until": "0001-01-01T00:00+14:00", "reason": "r"},
            "out of the calendar",
        ),
    ],
)
def test_a_silence_muster_will_not_keep_is_422_saying_why(
    web: Web, body: dict[str, Any], said: str
) -> None:
    answer = add(web, body)
    assert answer.status_code == 422
    assert said in answer.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"services": ["api"], "for": "2h"},  # no reason
        {"services": ["api"], "for": "2h", "reason": "r", "service": ["api"]},  # unknown key
        {"services": "api", "for": "2h", "reason": "r"},
        {"services": ["api"], "for": "2h", "reason": "r" * 501},
    ],
)
def test_a_body_that_is_no_silence_is_422_without_echoing_it(
    web: Web, body: dict[str, Any]
) -> None:
    answer = add(web, body)
    assert answer.status_code == 422
    assert all("input" not in error for error in answer.json()["detail"])


def test_a_web_process_without_a_database_answers_503(make_web: Callable[..., Web]) -> None:
    document = intake_document()
    document["intake"]["callers"]["chatbot"] = {"token": SILENCER, "scopes": ["silence"]}
    web = make_web(document)
    assert add(web, REINDEX).status_code == 503


def test_the_clock_is_the_webs(web: Web) -> None:
    """The silence starts at the web's own clock, not the wall clock."""
    assert add(web, REINDEX).json()["created_at"] == NOW.isoformat().replace("+00:00", "Z")
