"""``GET /v1/oncall`` and ``GET /v1/incidents``: the listings of ``muster oncall`` and ``muster
incidents``, for callers with ``read`` only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from muster.worker.incidents.declared import handle_declared
from muster.worker.messages import parse
from muster.worker.runtime import Runtime
from muster.worker.store.db import Database, make_engine
from muster.worker.web.database_reads import database_listing
from tests.harness.configs import DEMO
from tests.harness.declarations import CHECKOUT
from tests.harness.web_app import SCRIPT_TOKEN, TOKEN, Web, intake_document


@pytest.fixture
def web(make_web: Callable[..., Web]) -> Web:
    document = intake_document()
    document["intake"]["callers"] = {
        "dashboard": {"token": TOKEN, "scopes": ["read"]},
        "script": {"token": SCRIPT_TOKEN, "scopes": ["declare"]},
    }
    return make_web(document)


def test_a_reader_gets_who_is_on_call_now_and_next(web: Web) -> None:
    answer = web.client.get("/v1/oncall", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["at"] == "2026-11-25T12:05:00Z"  # the web's clock
    rotations = {r["rotation"]: r for r in data["rotations"]}
    commanders = rotations["commanders"]
    assert commanders["roles"] == ["commander"]
    assert [s["person"] for s in commanders["shifts"]] == ["ann", "ben", "ann"]
    assert commanders["shifts"][0]["from"] == "2026-11-23T09:00:00Z"
    assert rotations["api-oncall"]["shifts"] == [
        {"person": "cat", "name": "Cat", "from": None, "until": None}
        | {"override": False, "gap": False}
    ]


def test_a_range_lists_every_shift(web: Web) -> None:
    answer = web.client.get(
        "/v1/oncall",
        params={"at": "2026-11-25T12:00", "until": "2026-12-21T09:00", "role": "commander"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 200
    (commanders,) = answer.json()["rotations"]
    assert [s["person"] for s in commanders["shifts"]] == ["ann", "ben", "ann", "ben"]


def test_a_caller_without_read_is_refused(web: Web) -> None:
    answer = web.client.get("/v1/oncall", headers={"Authorization": f"Bearer {SCRIPT_TOKEN}"})
    assert answer.status_code == 403
    assert "read" in answer.json()["detail"]
    assert web.client.get("/v1/oncall").status_code == 401


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"at": "yesterday"}, "at: not an ISO 8601 time"),
        ({"at": "2026-11-25T12:00Z", "until": "2028-01-01T00:00Z"}, "at most 400 days"),
        ({"person": "zed"}, "no person 'zed'"),
    ],
)
def test_bad_input_is_a_clear_422(web: Web, params: dict[str, str], said: str) -> None:
    answer = web.client.get(
        "/v1/oncall", params=params, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert answer.status_code == 422
    assert said in answer.json()["detail"]


def test_incidents_lists_what_is_open_from_the_database(
    make_web: Callable[..., Web], rt: Runtime
) -> None:
    declared = {**CHECKOUT, "title": "Checkout failing"}
    handle_declared(rt, parse("muster.incident.declared", declared), "m-1")
    document = yaml.safe_load(DEMO.read_text())
    document["intake"]["callers"] = {"dashboard": {"token": TOKEN, "scopes": ["read"]}}
    web = make_web(document, listing=database_listing(rt.database))
    answer = web.client.get("/v1/incidents", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    (incident,) = answer.json()["incidents"]
    assert (incident["id"], incident["severity"], incident["title"]) == (
        "inc-1",
        "SEV1",
        "Checkout failing",
    )
    assert incident["age_seconds"] == 5 * 60  # the web's clock, 5 minutes after the declaration
    assert "bob" in {entry["person"] for entry in incident["paged"]}
    only_search = web.client.get(
        "/v1/incidents", params={"service": "search"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert only_search.json()["incidents"] == []


def test_incidents_need_read_and_a_database(web: Web) -> None:
    refused = web.client.get("/v1/incidents", headers={"Authorization": f"Bearer {SCRIPT_TOKEN}"})
    assert refused.status_code == 403
    answer = web.client.get("/v1/incidents", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 503


def test_incidents_from_a_database_that_cannot_be_read_are_503_not_500(
    make_web: Callable[..., Web], tmp_path: Path
) -> None:
    """The worker has not made it yet, or it is down: the caller retries."""
    document = intake_document()
    document["intake"]["callers"] = {"dashboard": {"token": TOKEN, "scopes": ["read"]}}
    missing = Database(make_engine(f"sqlite:///{tmp_path / 'none' / 'm.db'}", read_only=True))
    web = make_web(document, listing=database_listing(missing))
    answer = web.client.get("/v1/incidents", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
